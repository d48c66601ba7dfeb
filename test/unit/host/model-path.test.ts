// glassbox.modelPath resolution: the bundled model, `~`, absolute and relative paths, and no workspace folder without trust.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveModelPath } from '../../../src/host/models/model-path';

const bundled = '/ext/models/glassbox-tiny';
const trusted = { folder: '/work/repo', trusted: true };
const restricted = { folder: '/work/repo', trusted: false };

test('empty is the bundled model; ~ and absolute paths are taken as they are, trusted or not', () => {
  assert.deepEqual(resolveModelPath('', bundled, restricted), { dir: bundled, bundled: true });
  assert.deepEqual(resolveModelPath('~/models/qwen', bundled, restricted), {
    dir: join(homedir(), 'models/qwen'),
    bundled: false,
  });
  assert.deepEqual(resolveModelPath('/opt/models/qwen', bundled, restricted), {
    dir: '/opt/models/qwen',
    bundled: false,
  });
  assert.equal(resolveModelPath(bundled, bundled, restricted).bundled, true);
});

test('a relative path resolves against a trusted workspace folder, else the home folder', () => {
  assert.equal(resolveModelPath('models/qwen', bundled, trusted).dir, '/work/repo/models/qwen');
  assert.equal(
    resolveModelPath('models/qwen', bundled, { folder: undefined, trusted: false }).dir,
    join(homedir(), 'models/qwen'),
  );
});

test('a relative path in a workspace that is not trusted is refused, saying what to do', () => {
  assert.throws(
    () => resolveModelPath('models/qwen', bundled, restricted),
    /relative.*not trusted \(Restricted Mode\).*Trust the workspace, or set an absolute path/,
  );
  // `..` cannot step out of the rule either
  assert.throws(() => resolveModelPath('../elsewhere', bundled, restricted), /not trusted/);
});
