// Tests the run graph (run-graph.ts over onnx-wire.ts) against plain ONNX Runtime passes over the files as they are.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildRunGraphs } from '../../../src/engine/model/run-graph';
import { plainLogits } from '../../support/hub-fixtures';
import { fixturesDir } from '../../support/model-folder';

const ids = [1, 75, 3936, 79, 358, 224, 176, 257, 250, 226, 224, 4526, 248];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const layouts: [string, string][] = [
  ['self-contained fp32 (Optimum)', join(fixturesDir, 'llama-mha', 'onnx', 'model.onnx')],
  ['external data in two files', join(fixturesDir, 'hub', 'llama-external-chunks', 'onnx', 'model.onnx')],
  ['q4: MatMulNBits LM head', join(fixturesDir, 'hub', 'llama', 'onnx', 'model_q4.onnx')],
  ['fp16', join(fixturesDir, 'hub', 'llama', 'onnx', 'model_fp16.onnx')],
  [
    'onnxruntime-genai builder, tied q4 head',
    join(fixturesDir, 'hub', 'genai-tied', 'onnx', 'model_q4.onnx'),
  ],
];

describe('run graph: the file as ONNX Runtime runs it, plus num_logits_to_keep', () => {
  for (const [what, path] of layouts) {
    test(`${what}: every row equals the file's own logits, and keeping 1 gives its last row`, async () => {
      const { any, cpu } = buildRunGraphs(path);
      assert.equal(cpu, any, 'without int8 compute the CPU runs the same graph');
      assert.equal(any.addedLogitsToKeep, true);
      assert.ok(any.graph.input.some((i) => i.name === 'num_logits_to_keep'));
      const reference = await plainLogits(path, ids);
      const all = await plainLogits(any, ids, 0);
      const vocab = reference.length / ids.length;
      assert.ok(maxAbsDiff(all, reference) < 1e-5, `all rows differ by ${maxAbsDiff(all, reference)}`);
      const last = await plainLogits(any, ids, 1);
      assert.equal(last.length, vocab);
      assert.ok(maxAbsDiff(last, reference.subarray(reference.length - vocab)) < 1e-5);
    });
  }

  test('a self-contained file is referenced, not copied: the run graph holds only the graph', () => {
    const path = join(fixturesDir, 'llama-mha', 'onnx', 'model.onnx');
    const { any } = buildRunGraphs(path);
    assert.ok(
      any.bytes.length * 10 < statSync(path).size,
      `${any.bytes.length} bytes of ${statSync(path).size}`,
    );
    const moved = any.graph.initializer.filter((t) => t.dataLocation === 1);
    assert.ok(moved.length > 0);
    for (const t of moved) {
      const kv = Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
      assert.equal(kv.location, basename(path));
      assert.ok(Number(kv.length) >= 1024);
    }
  });

  test('files linked from elsewhere, as the Hugging Face cache links snapshots to blobs, run from their real folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'glassbox-linked-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    const blobs = join(root, 'blobs');
    mkdirSync(blobs);
    const cases: [string, string[]][] = [
      [join(fixturesDir, 'llama-mha', 'onnx'), ['model.onnx']],
      [join(fixturesDir, 'hub', 'llama-external', 'onnx'), ['model.onnx', 'model.onnx_data']],
    ];
    for (const [i, [from, files]] of cases.entries()) {
      const snapshot = join(root, 'snapshots', String(i), 'onnx');
      mkdirSync(snapshot, { recursive: true });
      for (const [j, f] of files.entries()) {
        copyFileSync(join(from, f), join(blobs, `blob-${i}-${j}`));
        symlinkSync(join('..', '..', '..', 'blobs', `blob-${i}-${j}`), join(snapshot, f));
      }
      const { any } = buildRunGraphs(join(snapshot, 'model.onnx'));
      assert.equal(any.externalDataFolder, blobs);
      const reference = await plainLogits(join(from, 'model.onnx'), ids);
      assert.ok(maxAbsDiff(await plainLogits(any, ids), reference) < 1e-5, `${from} through links`);
    }
  });

  test('a graph that already takes num_logits_to_keep is left as it is', () => {
    const { any } = buildRunGraphs(join(fixturesDir, 'hub', 'qwen3-logits-to-keep', 'onnx', 'model.onnx'));
    assert.equal(any.addedLogitsToKeep, false);
    assert.equal(any.graph.input.filter((i) => i.name === 'num_logits_to_keep').length, 1);
  });
});

describe('run graph: CPU int8 compute', () => {
  const path = join(fixturesDir, 'quantized', 'glassbox-tiny-q4', 'onnx', 'model_q4.onnx');

  test('every MatMulNBits of the CPU graph computes with int8 activations; other providers keep the model', () => {
    const { any, cpu } = buildRunGraphs(path, { cpuAccuracy: 'int8' });
    const level = (n: { attribute: { name: string; i?: number }[] }) =>
      n.attribute.filter((a) => a.name === 'accuracy_level').map((a) => a.i);
    const nbits = (g: typeof any.graph) => g.node.filter((n) => n.opType === 'MatMulNBits');
    assert.ok(nbits(cpu.graph).length > 0);
    assert.equal(cpu.int8Nodes, nbits(cpu.graph).length);
    for (const n of nbits(cpu.graph)) assert.deepEqual(level(n), [4]);
    for (const n of nbits(any.graph)) assert.notDeepEqual(level(n), [4]);
  });

  test('int8 compute changes the logits only a little', async () => {
    const { any, cpu } = buildRunGraphs(path, { cpuAccuracy: 'int8' });
    const model = await plainLogits(any, ids);
    const int8 = await plainLogits(cpu, ids);
    const diff = maxAbsDiff(model, int8);
    let scale = 0;
    for (const v of model) scale = Math.max(scale, Math.abs(v));
    assert.ok(diff > 0, 'the int8 graph computed exactly what the model graph did: the edit did not take');
    assert.ok(diff < 0.05 * scale, `logits moved by ${diff} (largest logit ${scale})`);
  });
});
