// Execution providers: availability is detected up front; auto/explicit requests fall back to CPU with a reason, never a crash.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  autoOrder,
  createSession,
  ortBinaryDir,
  providerAvailability,
} from '../../../src/engine/model/session';
import { fixturesDir } from '../../support/model-folder';

const onnx = join(fixturesDir, 'gpt2', 'onnx', 'model.onnx');
const cudaInstalled = existsSync(join(ortBinaryDir(), 'libonnxruntime_providers_cuda.so'));

describe('execution providers', () => {
  test('auto order per platform ends with CPU', () => {
    assert.deepEqual(autoOrder('linux'), ['cuda', 'webgpu', 'cpu']);
    assert.deepEqual(autoOrder('win32').slice(0, 2), ['dml', 'cuda']);
    assert.equal(autoOrder('darwin')[0], 'coreml');
  });

  test('availability names the missing CUDA provider library', { skip: process.platform !== 'linux' }, () => {
    const cuda = providerAvailability().find((p) => p.name === 'cuda');
    assert.equal(cuda?.available, cudaInstalled);
    if (!cudaInstalled) assert.match(cuda?.reason ?? '', /libonnxruntime_providers_cuda\.so.* not installed/);
    assert.deepEqual(providerAvailability().find((p) => p.name === 'dml')?.available, false);
  });

  test('auto always yields a working session and explains every provider it skipped', async () => {
    const { session, provider } = await createSession(onnx, { ep: 'auto', threads: 1 });
    assert.equal(provider.requested, 'auto');
    const tried = [...provider.fallbacks.map((f) => f.provider), provider.used];
    assert.deepEqual(tried, autoOrder().slice(0, tried.length));
    for (const f of provider.fallbacks) assert.ok(f.reason.length > 10, f.reason);
    assert.ok(session.inputNames.includes('input_ids'));
    await session.release();
  });

  test('an explicit provider that cannot start falls back to CPU with its reason', async () => {
    const { session, provider } = await createSession(onnx, {
      ep: process.platform === 'win32' ? 'coreml' : 'dml',
      threads: 1,
    });
    assert.equal(provider.used, 'cpu');
    assert.equal(provider.fallbacks.length, 1);
    assert.match(provider.fallbacks[0]?.reason ?? '', /only on/);
    await session.release();
  });
});
