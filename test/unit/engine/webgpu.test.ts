// WebGPU on this machine's adapter (lavapipe where there is no GPU): auto's choice, CPU agreement, device-resident KV.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { generate } from '../../../src/engine/generation/generate';
import { StepThrough } from '../../../src/engine/generation/step-through';
import { Inspector } from '../../../src/engine/inspect/inspector';
import { inspectableModel } from '../../../src/engine/inspect/loaded-model';
import { scoreIds } from '../../../src/engine/inspect/score';
import { emptyCache, runStep } from '../../../src/engine/model/forward';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/engine/model/model';
import { createSession, describeProvider, webgpuBlocker } from '../../../src/engine/model/session';
import { gpuDeviceNodes, parseLoaderLog, probeWebgpuAdapter } from '../../../src/engine/model/webgpu-adapter';
import { hostBytes, recordedSession as recorded } from '../../../bench/host-bytes';
import { hubFixtures } from '../../support/hub-fixtures';
import { bundledModel, fixturesDir, repoRoot } from '../../support/model-folder';

// npm test installs lavapipe (Mesa's software Vulkan device) on Debian, so WebGPU runs on every Linux test machine;
// without a Vulkan loader these tests fail with the reason rather than pass untested.
const linux = process.platform === 'linux';
const blocker = linux ? webgpuBlocker() : 'WebGPU tests run on Linux (Vulkan through lavapipe)';
const gpt2 = join(fixturesDir, 'gpt2', 'onnx', 'model.onnx');
/**
 * Positions scored in one full pass. On WebGPU, ONNX Runtime 1.30's GroupQueryAttention (the onnxruntime-genai
 * builder's layout) gives wrong logits from row 8 on once a single pass holds 32 or more positions (head size 16,
 * the genai fixtures); generation feeds one token at a time after the prompt and is unaffected.
 */
const SCORED = 25;
const cacheDir = mkdtempSync(join(tmpdir(), 'glassbox-webgpu-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

async function greedy(model: LoadedModel, ids: number[], n: number): Promise<number[]> {
  return (await generate(model, ids, { maxNewTokens: n, greedy: true })).tokens;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    d = Math.max(d, Math.abs(x - y));
  }
  return d;
}

describe('WebGPU adapter: auto never takes a software renderer', { skip: !linux }, () => {
  test('the Vulkan loader log names the device the program took (recorded on lavapipe and on an NVIDIA H200)', () => {
    const log = readFileSync(join(repoRoot, 'test', 'fixtures', 'vulkan', 'lavapipe-loader.log'), 'utf8');
    assert.deepEqual(parseLoaderLog(log), {
      name: 'llvmpipe (LLVM 15.0.6, 256 bits)',
      driver: 'libvulkan_lvp.so',
      software: true,
    });
    const h200 = readFileSync(join(repoRoot, 'test', 'fixtures', 'vulkan', 'nvidia-h200-loader.log'), 'utf8');
    assert.deepEqual(parseLoaderLog(h200), {
      name: 'NVIDIA H200',
      driver: 'libGLX_nvidia.so.0',
      software: false,
    });
    assert.equal(parseLoaderLog('INFO | DRIVER: no device created'), undefined);
  });

  test('the probe names this machine’s adapter', { skip: blocker }, async () => {
    const result = await probeWebgpuAdapter();
    assert.ok('adapter' in result, JSON.stringify(result));
    // without a GPU device node the only Vulkan device here is a software one
    if (gpuDeviceNodes().length === 0) assert.equal(result.adapter.software, true, result.adapter.name);
  });

  test('auto skips a software adapter for the CPU and says why', { skip: blocker }, async () => {
    const software = {
      adapter: { name: 'llvmpipe (LLVM 15.0.6, 256 bits)', driver: 'libvulkan_lvp.so', software: true },
    };
    const { session, provider } = await createSession(gpt2, {
      ep: 'auto',
      threads: 1,
      webgpuAdapter: () => Promise.resolve(software),
    });
    await session.release();
    assert.equal(provider.used, 'cpu');
    const webgpu = provider.fallbacks.find((f) => f.provider === 'webgpu');
    assert.match(
      webgpu?.reason ?? '',
      /llvmpipe .*software renderer on the CPU.*glassbox\.executionProvider/,
    );
  });

  test('auto takes WebGPU when the adapter is hardware', { skip: blocker }, async () => {
    const hardware = { adapter: { name: 'NVIDIA H200', driver: 'libGLX_nvidia.so.0', software: false } };
    const { session, provider } = await createSession(gpt2, {
      ep: 'auto',
      threads: 1,
      webgpuAdapter: () => Promise.resolve(hardware),
    });
    await session.release();
    assert.equal(provider.used, 'webgpu', describeProvider(provider));
    assert.equal(describeProvider(provider).startsWith('webgpu on NVIDIA H200'), true);
  });

  test(
    'on this machine, auto chooses by the real adapter; an explicit webgpu runs on it and says so',
    { skip: blocker },
    async () => {
      const probe = await probeWebgpuAdapter();
      const auto = await createSession(gpt2, { ep: 'auto', threads: 1 });
      await auto.session.release();
      const software = 'adapter' in probe ? probe.adapter.software : gpuDeviceNodes().length === 0;
      assert.equal(auto.provider.used, software ? 'cpu' : 'webgpu', describeProvider(auto.provider));
      const explicit = await createSession(gpt2, { ep: 'webgpu', threads: 1 });
      await explicit.session.release();
      assert.equal(explicit.provider.used, 'webgpu');
      if ('adapter' in probe) assert.deepEqual(explicit.provider.adapter, probe.adapter);
      if (software) assert.match(describeProvider(explicit.provider), /software renderer: slow/);
    },
  );
});

describe('WebGPU agrees with the CPU', { skip: blocker }, () => {
  test('bundled model: greedy tokens equal, log-probs within 1e-3, step-through and inspector work', async () => {
    const cpu = await loadModel(bundledModel, { ep: 'cpu', threads: 1 });
    const gpu = await loadModel(bundledModel, { ep: 'webgpu' });
    try {
      assert.equal(gpu.provider.used, 'webgpu', describeProvider(gpu.provider));
      const ids = cpu.tokenizer.encodeIds('def fibonacci(n):\n    if n < 2:\n        return n\n');
      const want = await greedy(cpu, ids, 24);
      const got = await greedy(gpu, ids, 24);
      assert.deepEqual(got, want);

      const all = [...ids, ...want];
      const lpCpu = await scoreIds(cpu, all);
      const lpGpu = await scoreIds(gpu, all);
      const d = maxDiff(lpCpu, lpGpu);
      console.log(
        `# bundled model: ${all.length} tokens, max |Δ log p| WebGPU vs CPU = ${d.toExponential(2)}`,
      );
      assert.ok(d < 1e-3, `log-probs differ by ${d}`);

      const steps = new StepThrough();
      const a = await steps.start(cpu, ids, 5);
      const b = await steps.start(gpu, ids, 5);
      assert.deepEqual(
        b.next.top.map((t) => t.id),
        a.next.top.map((t) => t.id),
      );
      const first = a.next.top[0]?.id as number;
      const a2 = await steps.append(a.handle, first, 5);
      const b2 = await steps.append(b.handle, first, 5);
      assert.deepEqual(
        b2.next.top.map((t) => t.id),
        a2.next.top.map((t) => t.id),
      );
      assert.ok(Math.abs(b2.appended.prob - a2.appended.prob) < 1e-3);
      steps.release(a.handle);
      steps.release(b.handle);

      const ins = await Inspector.create(inspectableModel(gpu), { cacheDir });
      const r = await ins.inspect('const x = 1;', { topK: 5 });
      const n = r.tokens.length + (r.bos ? 1 : 0);
      for (let l = 0; l < gpu.dims.layers; l += Math.max(1, gpu.dims.layers - 1)) {
        const { data } = await ins.attention(r.handle, l, 0);
        for (let q = 0; q < n; q++) {
          let sum = 0;
          for (let k = 0; k < n; k++) sum += data[q * n + k] as number;
          assert.ok(Math.abs(sum - 1) < 1e-3, `layer ${l} row ${q} sums to ${sum}`);
        }
      }
    } finally {
      await disposeModel(cpu);
      await disposeModel(gpu);
    }
  });

  // fp32 agrees to 1e-3; fp16/q4f16 compute in half precision on the GPU (the CPU provider widens many half ops to
  // float), so they agree to half precision and greedy may part at a near tie; the builder's q4f16 (MatMulNBits with
  // accuracy_level 4) rounds activations to int8 on the CPU but not on WebGPU, which moves log-probs further
  const tolerance = (name: string, dtype: string) =>
    dtype === 'fp32' ? 1e-3 : dtype === 'q4f16' && name.startsWith('genai') ? 0.25 : 5e-2;
  for (const fx of hubFixtures()) {
    if (fx.name.includes('merged')) continue; // the same layers as llama, inside If subgraphs
    const variants = fx.variants.filter((v) => ['fp32', 'fp16', 'q4f16'].includes(v.dtype));
    for (const { dtype } of variants) {
      test(`${fx.name} ${dtype}: greedy tokens and log-probs agree with the CPU's`, async () => {
        const cpu = await loadModel(fx.dir, { dtype, ep: 'cpu', threads: 1 });
        const gpu = await loadModel(fx.dir, { dtype, ep: 'webgpu' });
        try {
          assert.equal(gpu.provider.used, 'webgpu', describeProvider(gpu.provider));
          const ids = (fx.inputs[0] as (typeof fx.inputs)[0]).ids;
          const want = await greedy(cpu, ids, 16);
          const got = await greedy(gpu, ids, 16);
          // scored over fewer than 32 positions: see SCORED below
          const scored = [...ids, ...want].slice(0, SCORED);
          const d = maxDiff(await scoreIds(cpu, scored), await scoreIds(gpu, scored));
          const same = got.findIndex((id, i) => id !== want[i]);
          console.log(
            `# ${fx.name} ${dtype}: max |Δ log p| WebGPU vs CPU = ${d.toExponential(2)}; greedy ` +
              (same < 0 ? 'equal' : `equal for ${same} of 16 tokens`),
          );
          if (dtype === 'fp32') {
            assert.deepEqual(got, want);
            assert.ok(d < tolerance(fx.name, dtype), `log-probs differ by ${d}`);
            return;
          }
          const tol = tolerance(fx.name, dtype);
          assert.ok(d < tol, `log-probs differ by ${d}`);
          if (same >= 0) {
            // parted only where the CPU's top two were within half precision of each other
            const logits = (
              await runStep(cpu.session, cpu, [...ids, ...want.slice(0, same)], emptyCache(cpu))
            ).logits;
            const row = logits.subarray(logits.length - cpu.dims.vocab);
            const [first, second] = [...row].sort((a, b) => b - a) as [number, number];
            assert.ok(
              first - second < tol,
              `greedy parted at token ${same} with a margin of ${first - second}`,
            );
          }
        } finally {
          await disposeModel(cpu);
          await disposeModel(gpu);
        }
      });
    }
  }
});

describe('WebGPU keeps the KV cache on the device', { skip: blocker }, () => {
  test('no KV tensor is read back while decoding; only the logits row crosses', async () => {
    const measured: Record<string, { perToken: number; kv: number }> = {};
    for (const kvOnDevice of [false, true]) {
      const model = await loadModel(bundledModel, { ep: 'webgpu', kvOnDevice });
      try {
        assert.equal(model.provider.deviceOutputs === true, kvOnDevice);
        const { spy, runs } = recorded(model.session);
        const ids = model.tokenizer.encodeIds('for (let i = 0; i < n; i++) {');
        const tokens = await greedy({ ...model, session: spy }, ids, 12);
        assert.equal(tokens.length, 12);
        const decode = runs.slice(1); // after the prefill, one token per run
        const bytes = decode.map(hostBytes);
        measured[kvOnDevice ? 'device' : 'host'] = {
          perToken: bytes.reduce((s, b) => s + b.total, 0) / bytes.length,
          kv: bytes.reduce((s, b) => s + b.kv, 0) / bytes.length,
        };
        if (!kvOnDevice) continue;
        for (const run of decode) {
          for (const c of run.outputs) {
            if (c.name.startsWith('present.'))
              assert.equal(c.location, 'gpu-buffer', `${c.name} came back to JS`);
          }
          for (const c of run.feeds) {
            if (c.name.startsWith('past_key_values.'))
              assert.equal(c.location, 'gpu-buffer', `${c.name} fed from JS`);
          }
          // one row of logits, [1, 1, vocab] float32, is all that comes back
          assert.deepEqual(
            run.outputs.filter((c) => c.location === 'cpu').map((c) => [c.name, c.bytes]),
            [['logits', 4 * model.dims.vocab]],
          );
        }
      } finally {
        await disposeModel(model);
      }
    }
    const host = measured.host as { perToken: number; kv: number };
    const device = measured.device as { perToken: number; kv: number };
    console.log(
      `# bytes between JS and ORT per decoded token: KV through JS ${host.perToken} (KV ${host.kv}), ` +
        `KV on device ${device.perToken} (KV ${device.kv}): ${(host.perToken / device.perToken).toFixed(1)}x less`,
    );
    assert.equal(device.kv, 0);
    assert.ok(host.kv > 0);
  });
});
