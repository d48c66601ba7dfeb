// `glassbox install-cuda` (the command, in process) against the NuGet stand-in: progress on stderr, JSON on stdout.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Args } from '../../../src/cli/args';
import { COMMON_OPTIONS, type CliIO } from '../../../src/cli/command';
import { installCudaCommand } from '../../../src/cli/install-cuda';
import { ORT_VERSION } from '../../../src/cuda/provider-files';
import { startNugetStandin, type NugetStandin } from '../../support/nuget-standin';
import { zipOf } from '../../support/zip-writer';

const NATIVE = 'runtimes/linux-x64/native/libonnxruntime_providers_';
const bytes = (p: string) => Buffer.from(`${p} provider library`);
const root = mkdtempSync(join(tmpdir(), 'glassbox-cli-cuda-'));
let feed: NugetStandin;

before(async () => {
  feed = await startNugetStandin([
    {
      id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux',
      version: ORT_VERSION,
      bytes: zipOf(
        ['cuda', 'shared', 'tensorrt'].map((p) => ({ name: `${NATIVE}${p}.so`, bytes: bytes(p) })),
      ),
    },
  ]);
});
after(async () => {
  await feed.close();
  rmSync(root, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  const args = Args.parse(argv, [...installCudaCommand.options, ...COMMON_OPTIONS]);
  return { code: await installCudaCommand.run(args, io), stdout, stderr };
}

test(
  'installs into --bin-dir from --feed, progress on stderr, the result and the runtime check as JSON',
  {
    skip:
      process.platform !== 'linux' || process.arch !== 'x64'
        ? 'the CUDA provider exists for linux/x64 only'
        : false,
  },
  async () => {
    const binDir = join(root, 'bin');
    const r = await run(['--feed', feed.feed, '--bin-dir', binDir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /100\.0% .* MiB of .* MiB: download/);
    assert.match(r.stderr, /verified \(SHA-512\); extracting/);
    const out = JSON.parse(r.stdout) as { binDir: string; installed: string[]; missing: string[] };
    assert.equal(out.binDir, binDir);
    assert.deepEqual(
      out.installed,
      ['cuda', 'shared', 'tensorrt'].map((p) => join(binDir, `libonnxruntime_providers_${p}.so`)),
    );
    for (const p of ['cuda', 'shared', 'tensorrt']) {
      assert.deepEqual(readFileSync(join(binDir, `libonnxruntime_providers_${p}.so`)), bytes(p));
    }
    assert.ok(Array.isArray(out.missing));

    // a second run finds them and downloads nothing
    const downloads = feed.requests.filter((p) => p.endsWith('.nupkg')).length;
    const again = await run(['--feed', feed.feed, '--bin-dir', binDir]);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already in .* \(--force installs it again\)/);
    assert.equal(feed.requests.filter((p) => p.endsWith('.nupkg')).length, downloads);
    assert.ok(again.stdout.trim().length > 0);
  },
);
