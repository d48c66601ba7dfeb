// `npm run bench` (bench/main.ts, a dev script): every comparison runs and prints its ratios; no timing is asserted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliPath } from '../support/cli';
import { repoRoot } from '../support/model-folder';

test('bench runs every comparison and prints its ratios (a smoke test)', () => {
  const args = ['--runs', '1', '--prompt-tokens', '16', '--new-tokens', '8', '--ep', 'cpu'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  for (const line of [
    /^ {2}engine +\d+\.\d tokens\/s/m,
    /^ {2}bare session\.run loop +\d+\.\d tokens\/s/m,
    /^ {2}Transformers\.js v4 +\d+\.\d tokens\/s/m,
    /^ {2}engine \/ bare loop: +\d+\.\d\dx decode/m,
    /^ {2}engine \/ Transformers\.js: +\d+\.\d\dx decode/m,
    /^ {2}512 positions \(511 tokens \+ BOS\): inspect \d+ ms/m,
  ]) {
    assert.match(r.stdout, line);
  }
});

test('the shipped CLI bundle carries no benchmark code and no Transformers.js', () => {
  const bundle = readFileSync(cliPath, 'utf8');
  assert.doesNotMatch(bundle, /@huggingface\/transformers/);
  assert.doesNotMatch(bundle, /bare session\.run loop/);
});
