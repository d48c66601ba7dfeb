// The Install CUDA Support offer appears only when CUDA was asked for, fell back, and its provider files are absent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cudaInstallOffer } from '../../../src/cuda/cuda-offer';

const binDir = mkdtempSync(join(tmpdir(), 'glassbox-cuda-offer-'));
after(() => rmSync(binDir, { recursive: true, force: true }));
const linux = { binDir, platform: 'linux' as const, arch: 'x64' };

test('cuda asked for, cpu used, no provider files: offered, naming the files', () => {
  assert.equal(
    cudaInstallOffer({ ...linux, requested: 'cuda', used: 'cpu' }),
    "glassbox.executionProvider is cuda, but the model runs on cpu: onnxruntime-node's CUDA provider " +
      '(libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so) is not installed',
  );
});

test('not offered: auto or cpu asked for, cuda in use, or no CUDA provider for the platform', () => {
  assert.equal(cudaInstallOffer({ ...linux, requested: 'auto', used: 'cpu' }), undefined);
  assert.equal(cudaInstallOffer({ ...linux, requested: 'cpu', used: 'cpu' }), undefined);
  assert.equal(cudaInstallOffer({ ...linux, requested: 'cuda', used: 'cuda' }), undefined);
  for (const [platform, arch] of [
    ['win32', 'x64'],
    ['linux', 'arm64'],
    ['darwin', 'arm64'],
  ] as const) {
    assert.equal(
      cudaInstallOffer({ binDir, platform, arch, requested: 'cuda', used: 'cpu' }),
      undefined,
      platform,
    );
  }
});

test('not offered once the CUDA and shared provider files are there (TensorRT is not needed)', () => {
  writeFileSync(join(binDir, 'libonnxruntime_providers_cuda.so'), '');
  assert.match(
    cudaInstallOffer({ ...linux, requested: 'cuda', used: 'cpu' }) ?? '',
    /\(libonnxruntime_providers_shared\.so\)/,
  );
  writeFileSync(join(binDir, 'libonnxruntime_providers_shared.so'), '');
  assert.equal(cudaInstallOffer({ ...linux, requested: 'cuda', used: 'cpu' }), undefined);
});
