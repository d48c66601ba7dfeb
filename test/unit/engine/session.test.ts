// Execution providers: availability is detected up front; auto/explicit requests fall back to CPU with a reason, never a crash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  autoOrder,
  createSession,
  ortBinaryDir,
  providerAvailability,
  webgpuBlocker,
} from '../../../src/engine/model/session';
import { cliPath } from '../../support/cli';
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

  test('WebGPU on Linux needs the Vulkan loader: found through the loader cache or a library folder, else why', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'glassbox-vulkan-'));
    try {
      const cache = join(tmp, 'ld.so.cache');
      writeFileSync(cache, 'glibc-ld.so.cache1.1 libc.so.6 libm.so.6');
      assert.match(
        webgpuBlocker('linux', { LD_LIBRARY_PATH: join(tmp, 'lib') }, cache, []) ?? '',
        /no Vulkan loader \(libvulkan\.so\.1\)/,
      );
      mkdirSync(join(tmp, 'lib'));
      writeFileSync(join(tmp, 'lib', 'libvulkan.so.1'), '');
      assert.equal(webgpuBlocker('linux', { LD_LIBRARY_PATH: join(tmp, 'lib') }, cache, []), undefined);
      writeFileSync(cache, 'glibc-ld.so.cache1.1 libvulkan.so.1 /usr/lib/x86_64-linux-gnu/libvulkan.so.1');
      assert.equal(webgpuBlocker('linux', {}, cache), undefined);
      assert.equal(webgpuBlocker('win32', {}, join(tmp, 'none')), undefined);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('auto on a machine without Vulkan probes quietly: no Dawn warning on stderr, the reason in availability', async () => {
    const blocker = webgpuBlocker();
    const webgpu = providerAvailability().find((p) => p.name === 'webgpu');
    assert.equal(webgpu?.available, blocker === undefined);
    if (blocker) assert.equal(webgpu?.reason, blocker);
    const r = spawnSync(process.execPath, [cliPath, 'info', '--model', join(fixturesDir, 'gpt2')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Couldn't load Vulkan|at operator\(\)/);
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
