// installCudaSupport against a NuGet stand-in on 127.0.0.1: a real .nupkg, its real SHA-512, faults, cancel, proxy.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { CudaInstallError } from '../../../src/cuda/cuda-errors';
import { cudaRuntimeMissing } from '../../../src/cuda/cuda-runtime';
import {
  installCudaSupport,
  type CudaInstallProgress,
  type InstallCudaOptions,
} from '../../../src/cuda/install-cuda';
import { ORT_VERSION } from '../../../src/cuda/provider-files';
import { proxyFetch } from '../../../src/hub/proxy-fetch';
import { elfWithNeeded } from '../../support/elf-writer';
import { sha512Base64, startNugetStandin, type NugetStandin } from '../../support/nuget-standin';
import { zipOf } from '../../support/zip-writer';
import { startConnectProxy } from '../../support/connect-proxy';

const ID = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
const NATIVE = 'runtimes/linux-x64/native';
const root = mkdtempSync(join(tmpdir(), 'glassbox-cuda-install-'));

// what the real package holds, in small: OPC parts, the nuspec, the signature, native libraries and the providers
const provider = {
  cuda: Buffer.concat([
    elfWithNeeded([
      'libcublasLt.so.12',
      'libcublas.so.12',
      'libcurand.so.10',
      'libcudart.so.12',
      'libcuda.so.1',
    ]),
    randomBytes(700_000), // incompressible, so the download comes in many chunks
  ]),
  shared: randomBytes(14_632),
  tensorrt: randomBytes(90_000),
};
const entries = (omit?: string) =>
  [
    { name: '_rels/.rels', bytes: Buffer.from('<?xml version="1.0"?><Relationships/>') },
    { name: `${ID}.nuspec`, bytes: Buffer.from(`<package><metadata><id>${ID}</id></metadata></package>`) },
    { name: `${NATIVE}/libonnxruntime.so`, bytes: randomBytes(50_000) },
    { name: `${NATIVE}/libonnxruntime_providers_cuda.so`, bytes: provider.cuda },
    { name: `${NATIVE}/libonnxruntime_providers_shared.so`, bytes: provider.shared },
    { name: `${NATIVE}/libonnxruntime_providers_tensorrt.so`, bytes: provider.tensorrt },
    {
      name: 'package/services/metadata/core-properties/0123456789abcdef.psmdcp',
      bytes: Buffer.from('<coreProperties/>'),
    },
    { name: '[Content_Types].xml', bytes: Buffer.from('<?xml version="1.0"?><Types/>') },
    { name: '.signature.p7s', bytes: randomBytes(9_000) },
  ].filter((e) => !omit || !e.name.endsWith(omit));
const nupkg = zipOf(entries());

let feed: NugetStandin;
let binDir: string;
let tempDir: string;
let n = 0;

before(async () => {
  feed = await startNugetStandin([
    { id: ID, version: ORT_VERSION, bytes: nupkg },
    {
      id: ID,
      version: '0.0.1-badhash',
      bytes: nupkg,
      packageHash: sha512Base64(Buffer.from('something else')),
    },
    { id: ID, version: '0.0.2-nohash', bytes: nupkg, noHash: true },
    { id: ID, version: '0.0.3-notensorrt', bytes: zipOf(entries('_tensorrt.so')) },
    { id: ID, version: '0.0.4-notzip', bytes: Buffer.from('not a zip archive at all') },
  ]);
});
after(async () => {
  await feed.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  feed.body = { kind: 'whole' };
  feed.requests.length = 0;
  // a bin folder as onnxruntime-node ships it: the binding and the core library, no providers
  binDir = join(root, `bin${++n}`);
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'libonnxruntime.so.1'), 'core');
  writeFileSync(join(binDir, 'onnxruntime_binding.node'), 'binding');
  tempDir = join(root, `tmp${n}`);
  mkdirSync(tempDir);
});

const install = (extra: Partial<InstallCudaOptions> = {}) =>
  installCudaSupport({ binDir, tempDir, feedUrl: feed.feed, platform: 'linux', arch: 'x64', ...extra });

/** Resolves with the error installCudaSupport rejects with. */
async function failure(extra: Partial<InstallCudaOptions> = {}): Promise<CudaInstallError> {
  try {
    await install(extra);
  } catch (e) {
    assert.ok(e instanceof CudaInstallError, `not a CudaInstallError: ${String(e)}`);
    return e;
  }
  throw new Error('the install succeeded');
}

/** binDir holds what onnxruntime-node shipped and nothing else; the download folder is gone. */
function untouched(): void {
  assert.deepEqual(readdirSync(binDir).sort(), ['libonnxruntime.so.1', 'onnxruntime_binding.node']);
  assert.deepEqual(readdirSync(tempDir), []);
}

test('installs the three provider files with the bytes of the package, and nothing else', async () => {
  const result = await install();
  assert.deepEqual(readdirSync(binDir).sort(), [
    'libonnxruntime.so.1',
    'libonnxruntime_providers_cuda.so',
    'libonnxruntime_providers_shared.so',
    'libonnxruntime_providers_tensorrt.so',
    'onnxruntime_binding.node',
  ]);
  for (const [name, bytes] of Object.entries(provider)) {
    assert.deepEqual(readFileSync(join(binDir, `libonnxruntime_providers_${name}.so`)), bytes, name);
  }
  assert.equal(readFileSync(join(binDir, 'libonnxruntime.so.1'), 'utf8'), 'core');
  assert.deepEqual(readdirSync(tempDir), []);
  assert.equal(result.package.sha512, sha512Base64(nupkg));
  assert.equal(result.package.size, nupkg.length);
  const lower = `${ID.toLowerCase()}/${ORT_VERSION}`;
  assert.deepEqual(feed.requests, [
    '/v3/index.json',
    `/v3/registration5-gz-semver2/${lower}.json`,
    `/v3/catalog0/data/2026.01.01.00.00.00/${lower.replace('/', '.')}.json`,
    `/v3-flatcontainer/${lower}/${lower.replace('/', '.')}.nupkg`,
  ]);
  // the runtime check now reads what the installed provider links
  const runtime = cudaRuntimeMissing('linux', {}, { binDir, ldCache: join(root, 'none'), systemDirs: [] });
  assert.equal(runtime.from, 'provider');
  assert.deepEqual(runtime.missing, [
    'libcublasLt.so.12',
    'libcublas.so.12',
    'libcurand.so.10',
    'libcudart.so.12',
    'libcuda.so.1',
  ]);
});

test('a second install replaces the files in place', async () => {
  writeFileSync(join(binDir, 'libonnxruntime_providers_cuda.so'), 'an older provider');
  await install();
  assert.deepEqual(readFileSync(join(binDir, 'libonnxruntime_providers_cuda.so')), provider.cuda);
});

test('progress: download bytes rise to the package size, then extraction', async () => {
  feed.body = { kind: 'slow', delayMs: 1 };
  const seen: CudaInstallProgress[] = [];
  await install({ onProgress: (p) => seen.push(p) });
  const downloads = seen.filter((p) => p.phase === 'download');
  assert.ok(downloads.length > 5, `only ${downloads.length} progress reports`);
  assert.ok(downloads.every((p, i) => i === 0 || p.bytes > (downloads[i - 1] as CudaInstallProgress).bytes));
  assert.ok(downloads.every((p) => p.total === nupkg.length));
  assert.equal(downloads.at(-1)?.bytes, nupkg.length);
  assert.deepEqual(seen.at(-1), { phase: 'extract', bytes: nupkg.length, total: nupkg.length });
});

test('a package that does not match the published SHA-512 is refused and nothing is left', async () => {
  const e = await failure({ version: '0.0.1-badhash' });
  assert.equal(e.code, 'corrupt');
  assert.match(e.message, /does not match the SHA-512 its feed publishes/);
  untouched();
});

test('a feed that publishes no hash: refused before downloading', async () => {
  const e = await failure({ version: '0.0.2-nohash' });
  assert.equal(e.code, 'no-hash');
  assert.ok(!feed.requests.some((p) => p.endsWith('.nupkg')));
  untouched();
});

test('cancelled mid-download: the install stops and leaves nothing', async () => {
  feed.body = { kind: 'stall', afterBytes: 200_000 };
  const controller = new AbortController();
  const seen: number[] = [];
  const e = await failure({
    signal: controller.signal,
    onProgress: (p) => {
      seen.push(p.bytes);
      if (p.bytes >= 100_000) controller.abort();
    },
  });
  assert.equal(e.code, 'cancelled');
  assert.ok(seen.length > 0 && (seen.at(-1) as number) < nupkg.length);
  untouched();
});

test('a version the feed does not have: an error naming the package and version', async () => {
  const e = await failure({ version: '9.9.9' });
  assert.equal(e.code, 'not-found');
  assert.match(e.message, /has no Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux 9\.9\.9 \(HTTP 404/);
  untouched();
});

test('a package without one of the provider files: refused, and the files already extracted are removed', async () => {
  const e = await failure({ version: '0.0.3-notensorrt' });
  assert.equal(e.code, 'bad-package');
  assert.match(e.message, /has no runtimes\/linux-x64\/native\/libonnxruntime_providers_tensorrt\.so/);
  untouched();
});

test('a verified package that is no zip: a bad-package error, nothing left', async () => {
  const e = await failure({ version: '0.0.4-notzip' });
  assert.equal(e.code, 'bad-package');
  untouched();
});

test('a bin folder that cannot be written: a write error naming it, nothing left', async () => {
  const blocked = join(binDir, 'onnxruntime_binding.node', 'sub'); // a folder under a file: ENOTDIR, even for root
  const e = await failure({ binDir: blocked });
  assert.equal(e.code, 'write');
  assert.match(
    e.message,
    new RegExp(`cannot extract the CUDA provider into ${blocked.replace(/[/\\.]/g, '.')}`),
  );
  untouched();
});

test('a platform this onnxruntime-node has no CUDA provider for: refused without a request', async () => {
  const e = await failure({ platform: 'win32', arch: 'x64' });
  assert.equal(e.code, 'unsupported');
  assert.match(e.message, /no CUDA provider for win32\/x64/);
  assert.deepEqual(feed.requests, []);
});

test('a feed that cannot be reached is a network error naming it', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  const e = await failure({ feedUrl: `http://127.0.0.1:${port}/v3/index.json` });
  assert.equal(e.code, 'network');
  assert.match(e.message, new RegExp(`cannot reach the NuGet feed at 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  untouched();
});

test('through an HTTP proxy (CONNECT), as VS Code http.proxy or HTTPS_PROXY asks: every request is tunnelled', async () => {
  const proxy = await startConnectProxy();
  try {
    const viaProxy = proxyFetch({ url: proxy.url });
    assert.ok(viaProxy);
    await install({ fetch: viaProxy });
    assert.deepEqual(readFileSync(join(binDir, 'libonnxruntime_providers_cuda.so')), provider.cuda);
    const host = new URL(feed.feed).host;
    const { tunnels } = proxy;
    assert.ok(tunnels.length > 0 && tunnels.every((t) => t === host), `tunnels: ${tunnels.join(', ')}`);
  } finally {
    await proxy.close();
  }
});
