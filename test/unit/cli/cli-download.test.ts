// `glassbox download` and `glassbox models` (node dist/cli.js) against the local Hub stand-in; --model ORG/NAME after.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath } from '../../support/cli';
import { repoFromFolder, startHubStandin, type HubStandin } from '../../support/hub-standin';
import { fixturesDir } from '../../support/model-folder';

const REPO = 'onnx-community/tiny-gemma';
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cli-download-'));
const cacheDir = join(tmp, 'hub');
let hub: HubStandin;
before(async () => {
  hub = await startHubStandin([repoFromFolder(REPO, join(fixturesDir, 'hub', 'gemma3'))]);
});
after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The CLI in a child process, without blocking this one (the stand-in answers from here). */
function glassbox(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: {
        ...process.env,
        HF_HUB_CACHE: cacheDir,
        HF_TOKEN: '',
        GLASSBOX_CACHE_DIR: join(tmp, 'glassbox'),
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('glassbox download / models', () => {
  test('download prints progress on stderr and the snapshot as JSON; models lists it; --model ORG/NAME loads it', async () => {
    const r = await glassbox(['download', REPO, '--endpoint', hub.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /fp32 \(fp32 suits cpu and fits in free memory\)/);
    assert.match(r.stderr, /100\.0% .* of .* MiB/);
    const out = JSON.parse(r.stdout) as { path: string; files: string[]; bytes: number; commit: string };
    assert.ok(out.path.startsWith(join(cacheDir, 'models--onnx-community--tiny-gemma', 'snapshots')));
    assert.ok(out.files.includes('onnx/model.onnx') && out.files.includes('config.json'));
    assert.ok(out.bytes > 1_000_000);

    const models = await glassbox(['models', '--json']);
    assert.equal(models.code, 0, models.stderr);
    const listed = JSON.parse(models.stdout) as {
      models: { repo: string; dtypes: string[]; path: string }[];
    };
    assert.deepEqual(
      listed.models.map((m) => [m.repo, m.dtypes, m.path]),
      [[REPO, ['fp32'], out.path]],
    );

    const file = join(tmp, 'a.js');
    writeFileSync(file, 'function add(a, b) {\n  return a + b;\n}\n');
    const inspect = await glassbox(['inspect', '--model', REPO, '--file', file, '--json', '--ep', 'cpu']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal((JSON.parse(inspect.stdout) as { tokens: unknown[] }).tokens.length, 17);
  });

  test('bad ids, missing repositories and models not in the cache give one clear line and a non-zero exit', async () => {
    const bad = await glassbox(['download', 'not a repo', '--endpoint', hub.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"not a repo" is not a Hub repository id/);
    const missing = await glassbox([
      'download',
      'onnx-community/nothing-here',
      '--endpoint',
      hub.url,
      '--dtype',
      'q4',
    ]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /onnx-community\/nothing-here was not found, or is private: check the id, or set a Hugging Face token/,
    );
    const noVariant = await glassbox(['download', REPO, '--endpoint', hub.url, '--dtype', 'q4']);
    assert.equal(noVariant.code, 1);
    assert.match(noVariant.stderr, /has no q4 ONNX file \(it has fp32\)/);
    const notCached = await glassbox(['info', '--model', 'onnx-community/not-downloaded']);
    assert.equal(notCached.code, 2);
    assert.match(
      notCached.stderr,
      /neither a folder nor a model in the Hugging Face cache .*glassbox download onnx-community\/not-downloaded/,
    );
    assert.ok(!existsSync(join(cacheDir, 'models--onnx-community--nothing-here', 'snapshots')));
  });
});
