// cudaRuntimeMissing names exactly the CUDA, cuDNN and driver libraries a fake loader cache and folders lack.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cudaRuntimeMissing, windowsDll } from '../../../src/cuda/cuda-runtime';
import { elfWithNeeded } from '../../support/elf-writer';

const root = mkdtempSync(join(tmpdir(), 'glassbox-cuda-runtime-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh folder holding empty files with these names. */
function folder(...names: string[]): string {
  const dir = join(root, `d${++n}`);
  mkdirSync(dir, { recursive: true });
  for (const name of names) writeFileSync(join(dir, name), '');
  return dir;
}

/** A loader cache as glibc writes it: a header, then NUL-terminated keys and the paths they map to. */
function ldCache(...names: string[]): string {
  const file = join(root, `ld.so.cache.${++n}`);
  const body = names.flatMap((name) => [name, `/usr/lib/x86_64-linux-gnu/${name}`]).join('\0');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from('glibc-ld.so.cache1.1'), Buffer.alloc(28), Buffer.from(`${body}\0`)]),
  );
  return file;
}

/** A bin folder whose CUDA provider library links these libraries (and the C runtime). */
function binWithProvider(...needed: string[]): string {
  const dir = folder();
  writeFileSync(
    join(dir, 'libonnxruntime_providers_cuda.so'),
    elfWithNeeded([...needed, 'libstdc++.so.6', 'libc.so.6']),
  );
  return dir;
}

const CUDA12 = ['libcublasLt.so.12', 'libcublas.so.12', 'libcurand.so.10', 'libcudart.so.12', 'libcuda.so.1'];

test('Linux: the installed provider says what it links; the cache and LD_LIBRARY_PATH say what is there', () => {
  const binDir = binWithProvider(...CUDA12);
  const report = cudaRuntimeMissing(
    'linux',
    { LD_LIBRARY_PATH: `${folder('libcublas.so.12')}:${folder()}`, CUDA_HOME: folder() },
    { binDir, ldCache: ldCache('libcuda.so.1', 'libcudart.so.12'), systemDirs: [folder('libcurand.so.10')] },
  );
  assert.equal(report.from, 'provider');
  assert.equal(report.cudaMajor, 12);
  assert.deepEqual(report.missing, ['libcublasLt.so.12']);
  assert.equal(report.cudnnMissing, 'libcudnn.so.9');
  assert.match(
    report.message ?? '',
    /^CUDA cannot start here: the CUDA 12 libraries libcublasLt\.so\.12 are missing/,
  );
  assert.match(report.message ?? '', /CUDA Toolkit 12\.x/);
  assert.match(report.message ?? '', /cuDNN 9 \(libcudnn\.so\.9\) is missing.*for CUDA 12/);
  assert.doesNotMatch(report.message ?? '', /driver/);
});

test('Linux: everything there is no message; cuDNN alone missing still lets CUDA start', () => {
  const binDir = binWithProvider(...CUDA12);
  const all = ldCache(...CUDA12, 'libcudnn.so.9');
  const ok = cudaRuntimeMissing('linux', {}, { binDir, ldCache: all, systemDirs: [] });
  assert.deepEqual([ok.missing, ok.cudnnMissing, ok.message], [[], undefined, undefined]);
  const noCudnn = cudaRuntimeMissing('linux', {}, { binDir, ldCache: ldCache(...CUDA12), systemDirs: [] });
  assert.deepEqual(noCudnn.missing, []);
  assert.match(noCudnn.message ?? '', /^CUDA can start, but cuDNN 9 \(libcudnn\.so\.9\) is missing/);
  // the unversioned name is the provider's second choice
  const unversioned = cudaRuntimeMissing(
    'linux',
    {},
    { binDir, ldCache: ldCache(...CUDA12, 'libcudnn.so'), systemDirs: [] },
  );
  assert.equal(unversioned.cudnnMissing, undefined);
});

test('Linux: no driver and no runtime; libraries left in the CUDA home outside the loader path are pointed at', () => {
  const binDir = binWithProvider(...CUDA12);
  const home = folder();
  mkdirSync(join(home, 'lib64'));
  writeFileSync(join(home, 'lib64', 'libcudart.so.12'), '');
  const report = cudaRuntimeMissing(
    'linux',
    { CUDA_HOME: home },
    { binDir, ldCache: join(root, 'no-cache'), systemDirs: [] },
  );
  assert.deepEqual(report.missing, CUDA12);
  assert.match(
    report.message ?? '',
    /the NVIDIA driver \(libcuda\.so\.1\) is missing: install the NVIDIA driver/,
  );
  assert.match(
    report.message ?? '',
    new RegExp(`${join(home, 'lib64').replace(/[/\\]/g, '.')} has them, but the loader does not look there`),
  );
});

test('Linux: a cache entry must be the whole name (libcudart.so.120 or xlibcudart.so.12 is not libcudart.so.12)', () => {
  const binDir = binWithProvider('libcudart.so.12');
  const file = join(root, 'tricky.cache');
  writeFileSync(file, Buffer.from('glibc-ld.so.cache1.1\0libcudart.so.120\0/x/xlibcudart.so.12\0'));
  assert.deepEqual(cudaRuntimeMissing('linux', {}, { binDir, ldCache: file, systemDirs: [] }).missing, [
    'libcudart.so.12',
  ]);
});

test("Linux: the provider's $ORIGIN runpath makes its own folder searched", () => {
  const binDir = folder('libcudart.so.12');
  writeFileSync(
    join(binDir, 'libonnxruntime_providers_cuda.so'),
    elfWithNeeded(['libcudart.so.12'], '$ORIGIN'),
  );
  assert.deepEqual(
    cudaRuntimeMissing('linux', {}, { binDir, ldCache: join(root, 'none'), systemDirs: [] }).missing,
    [],
  );
});

test('Linux without the provider installed: the list ORT 1.30 links (CUDA 13)', () => {
  const report = cudaRuntimeMissing(
    'linux',
    {},
    { binDir: folder(), ldCache: ldCache('libcuda.so.1'), systemDirs: [] },
  );
  assert.equal(report.from, 'expected');
  assert.equal(report.cudaMajor, 13);
  assert.deepEqual(report.missing, [
    'libcublasLt.so.13',
    'libcublas.so.13',
    'libcurand.so.10',
    'libcudart.so.13',
  ]);
});

test('Windows: the same libraries as DLLs, looked for in the bin folder, System32 and PATH', () => {
  assert.deepEqual(CUDA12.map(windowsDll), [
    'cublasLt64_12.dll',
    'cublas64_12.dll',
    'curand64_10.dll',
    'cudart64_12.dll',
    'nvcuda.dll',
  ]);
  const windows = folder();
  mkdirSync(join(windows, 'System32'));
  writeFileSync(join(windows, 'System32', 'nvcuda.dll'), '');
  const report = cudaRuntimeMissing(
    'win32',
    {
      SystemRoot: windows,
      PATH: `${folder('cudart64_13.dll')};${folder('cudnn64_9.dll', 'curand64_10.dll')}`,
    },
    { binDir: folder('cublas64_13.dll') },
  );
  assert.deepEqual(report.missing, ['cublasLt64_13.dll']);
  assert.equal(report.cudnnMissing, undefined);
  assert.match(report.message ?? '', /cublasLt64_13\.dll are missing.*in a folder on PATH/);
});

test('macOS: nothing to check', () => {
  assert.deepEqual(cudaRuntimeMissing('darwin', {}).missing, []);
  assert.equal(cudaRuntimeMissing('darwin', {}).message, undefined);
});
