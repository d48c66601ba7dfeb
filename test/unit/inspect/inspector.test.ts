// The inspector against independent references: plain ORT log-softmax, replayed attention from Q and K, logits.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { replayHead } from '../../../src/engine/inspect/attention-replay';
import { promoteOutputs } from '../../../src/engine/inspect/graph-edit';
import { Inspector } from '../../../src/engine/inspect/inspector';
import { decodeGraph, type OnnxGraph } from '../../../src/engine/inspect/onnx-proto';
import { inspectableModel } from '../../../src/engine/inspect/loaded-model';
import { loadModel } from '../../../src/engine/model/model';
import {
  bundledModel,
  dims,
  emptyPast,
  maxAbsDiff,
  modelFolders,
  readJson,
  repoRoot,
  row,
  step,
} from '../../support/model-folder';

/** The shipped path: the engine loads the folder, the adapter hands it to the inspector. */
const inspectable = async (dir: string) => inspectableModel(await loadModel(dir, { ep: 'cpu', threads: 1 }));

const TEXT = 'function add(a, b) {\n  // sum ✓ 你好 🙂\n  return a + b;\n}\n';
const sharedCache = mkdtempSync(join(tmpdir(), 'glassbox-inspect-'));
after(() => rmSync(sharedCache, { recursive: true, force: true }));
/** One cache folder for the file: edited copies are keyed by model and outputs, so sharing it is safe. */
const cacheDir = () => sharedCache;

/** Searches back from a Softmax (breadth first) for the MatMul that made its scores; returns its query input. */
function queryOf(graph: OnnxGraph, softmaxOutput: string): string {
  const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  let frontier = [softmaxOutput];
  for (let depth = 0; depth < 8; depth++) {
    const nodes = frontier.map((t) => producer.get(t)).filter((n) => n !== undefined);
    const matmul = nodes.find((n) => n.opType === 'MatMul');
    if (matmul) return matmul.input[0] as string;
    frontier = nodes.flatMap((n) => n.input);
  }
  throw new Error(`no score MatMul above ${softmaxOutput}`);
}

for (const { name, dir } of modelFolders()) {
  describe(`inspector on ${name}`, () => {
    test('per-token log-probs, ranks and entropies equal a plain ORT log-softmax within 1e-4', async () => {
      const model = await inspectable(dir);
      const ins = await Inspector.create(model, { cacheDir: cacheDir() });
      const r = await ins.inspect(TEXT, { topK: 5 });
      const d = dims(dir);
      const ids = [model.bosId as number, ...r.tokens.map((t) => t.id)];
      const { logits } = await step(
        await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx')),
        d,
        ids,
        emptyPast(d),
      );
      assert.equal(r.positions.length, r.tokens.length);
      r.tokens.forEach((tok, i) => {
        const lr = Array.from(row(logits, i, d.vocab));
        const max = Math.max(...lr);
        const lse = max + Math.log(lr.reduce((s, v) => s + Math.exp(v - max), 0));
        const p = r.positions[i];
        assert.ok(p);
        assert.ok(Math.abs(p.logprob - ((lr[tok.id] as number) - lse)) < 1e-4, `${name} token ${i} logprob`);
        assert.equal(p.rank, 1 + lr.filter((v) => v > (lr[tok.id] as number)).length);
        const entropy = -lr.reduce((s, v) => s + Math.exp(v - lse) * (v - lse), 0);
        assert.ok(Math.abs(p.entropy - entropy) < 1e-4);
        assert.equal(p.top[0]?.id, lr.indexOf(max));
        assert.ok(p.top.every((t, j) => j === 0 || t.prob <= (p.top[j - 1]?.prob as number)));
      });
    });

    test('attention: layers x heads causal matrices whose rows sum to 1, equal to a replay from Q and K', async () => {
      const model = await inspectable(dir);
      const ins = await Inspector.create(model, { cacheDir: cacheDir() });
      const r = await ins.inspect(TEXT);
      const d = dims(dir);
      assert.deepEqual([r.layers, r.heads], [d.layers, d.heads]);
      // independent path: promote each layer's query (rotary applied) and take keys from present.N.key
      const graph = decodeGraph(readFileSync(model.onnxPath));
      const softmax = graph.node.filter((n) => n.opType === 'Softmax').map((n) => n.output[0] as string);
      if (softmax.length === 0) return; // fused attention: checked against torch below
      const queries = softmax.map((s) => queryOf(graph, s));
      const qPath = promoteOutputs(model.onnxPath, graph, queries, cacheDir());
      const ids = [model.bosId as number, ...r.tokens.map((t) => t.id)];
      const n = ids.length;
      const out = await model.run(await model.openSession(qPath), ids, [
        ...queries,
        ...queries.map((_, l) => `present.${l}.key`),
      ]);
      for (let l = 0; l < d.layers; l++) {
        const q = out[queries[l] as string] as Float32Array;
        const k = out[`present.${l}.key`] as Float32Array;
        for (let h = 0; h < d.heads; h++) {
          const { size, data } = await ins.attention(r.handle, l, h);
          assert.equal(size, n);
          for (let i = 0; i < n; i++) {
            const sum = data.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0);
            assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
            for (let j = i + 1; j < n; j++) assert.equal(data[i * n + j], 0);
          }
          const kvHead = Math.floor(h / (d.heads / d.kvHeads));
          const replay = replayHead(
            q.subarray(h * n * d.headDim, (h + 1) * n * d.headDim),
            k.subarray(kvHead * n * d.headDim, (kvHead + 1) * n * d.headDim),
            d.headDim,
          );
          assert.ok(maxAbsDiff(replay, data) < 1e-5, `${name} layer ${l} head ${h}`);
        }
        const mean = await ins.attention(r.handle, l, 'mean');
        const h0 = await ins.attention(r.handle, l, 0);
        assert.equal(mean.data.length, n * n);
        assert.ok(d.heads === 1 || maxAbsDiff(mean.data, h0.data) > 0);
      }
      const thumbs = await ins.thumbnails(r.handle, 8);
      assert.equal(thumbs.data.length, d.layers * d.heads * thumbs.size * thumbs.size);
    });

    test('attention equals the probabilities torch recorded for the same text within 1e-5', async () => {
      const ins = await Inspector.create(await inspectable(dir), { cacheDir: cacheDir() });
      const ref = readJson<{ rows: { text: string; ids: number[]; attention?: number[][][][] }[] }>(
        join(repoRoot, 'test', 'fixtures', 'reference', `${name}.json`),
      ).rows[0];
      assert.ok(ref?.attention);
      const r = await ins.inspect(ref.text);
      assert.deepEqual([r.bos?.id, ...r.tokens.map((t) => t.id)], ref.ids);
      for (const [l, heads] of ref.attention.entries()) {
        for (const [h, rows] of heads.entries()) {
          const { data } = await ins.attention(r.handle, l, h);
          assert.ok(maxAbsDiff(data, rows.flat()) < 1e-5, `${name} layer ${l} head ${h}`);
        }
      }
    });

    test('logit lens: the last layer equals the model logits; earlier layers differ', async () => {
      const ins = await Inspector.create(await inspectable(dir), { cacheDir: cacheDir() });
      const r = await ins.inspect(TEXT, { topK: 5 });
      for (const position of [0, 3, r.tokens.length - 1]) {
        const lens = await ins.lens(r.handle, position, 5);
        assert.equal(lens.length, r.layers + 1);
        const last = lens.at(-1);
        const p = r.positions[position];
        assert.ok(last && p);
        assert.equal(last.rank, p.rank);
        assert.ok(Math.abs(last.prob - Math.exp(p.logprob)) < 1e-5);
        assert.deepEqual(
          last.top.map((t) => t.id),
          p.top.map((t) => t.id),
        );
        assert.notDeepEqual(lens[0]?.top, last.top);
      }
    });

    test('embedding neighbours: itself first, cosines sorted and within [-1, 1]', async () => {
      const ins = await Inspector.create(await inspectable(dir), { cacheDir: cacheDir() });
      const nb = ins.neighbours(300, 8);
      assert.equal(nb.length, 8);
      assert.equal(nb[0]?.id, 300);
      assert.ok(Math.abs((nb[0]?.cosine as number) - 1) < 1e-5);
      assert.ok(
        nb.every(
          (x, i) => Math.abs(x.cosine) <= 1 + 1e-6 && (i === 0 || x.cosine <= (nb[i - 1]?.cosine as number)),
        ),
      );
      assert.throws(() => ins.neighbours(dims(dir).vocab), /out of range/);
    });
  });
}

test('a text longer than the context is inspected up to the context and says so', async () => {
  const dir = modelFolders()[1]?.dir as string;
  const ins = await Inspector.create(await inspectable(dir), { cacheDir: cacheDir() });
  const long = 'let x = 1;\n'.repeat(400);
  const r = await ins.inspect(long);
  assert.equal(r.tokens.length, dims(dir).ctx - 1);
  assert.ok(r.truncated && r.truncated.totalTokens > r.tokens.length);
});

test('cached attention stays within the memory budget', async () => {
  const dir = modelFolders()[1]?.dir as string;
  const budget = 64 * 1024;
  const ins = await Inspector.create(await inspectable(dir), { cacheDir: cacheDir(), budgetBytes: budget });
  const r = await ins.inspect('const a = [1, 2, 3].map((x) => x * 2);\n'.repeat(3));
  for (let l = 0; l < r.layers; l++) await ins.attention(r.handle, l, 0);
  assert.ok(ins.cachedBytes <= budget, `${ins.cachedBytes} > ${budget}`);
  ins.release(r.handle);
  assert.equal(ins.cachedBytes, 0);
  await assert.rejects(ins.attention(r.handle, 0, 0), /gone/);
});

describe('inspector memory', () => {
  test('a pass whose logits exceed the chunk size runs in chunks with the KV cache and gives the same numbers', async () => {
    const model = await inspectable(bundledModel);
    const d = dims(bundledModel);
    const runChunks = model.runChunks;
    assert.ok(runChunks, 'the engine adapter passes in chunks');
    const chunks: number[] = [];
    const counted: typeof model = {
      ...model,
      runChunks: (session, ids, chunk, visit) =>
        runChunks(session, ids, chunk, (rows, first) => {
          chunks.push(first);
          return visit(rows, first);
        }),
    };
    // 5 rows of logits per pass: the text's ~30 positions take 6 or more chunks
    const ins = await Inspector.create(counted, { cacheDir: cacheDir(), logitsChunkBytes: 5 * 4 * d.vocab });
    const r = await ins.inspect(TEXT, { topK: 5 });
    const ids = [model.bosId as number, ...r.tokens.map((t) => t.id)];
    assert.deepEqual(
      chunks,
      Array.from({ length: Math.ceil(ids.length / 5) }, (_, i) => 5 * i),
    );
    const { logits } = await step(
      await ort.InferenceSession.create(join(bundledModel, 'onnx', 'model.onnx')),
      d,
      ids,
      emptyPast(d),
    );
    r.tokens.forEach((tok, i) => {
      const lr = Array.from(row(logits, i, d.vocab));
      const max = Math.max(...lr);
      const lse = max + Math.log(lr.reduce((s, v) => s + Math.exp(v - max), 0));
      const p = r.positions[i];
      assert.ok(p, `position ${i} has no prediction`);
      assert.ok(Math.abs(p.logprob - ((lr[tok.id] as number) - lse)) < 1e-4, `token ${i} logprob`);
      assert.equal(p.rank, 1 + lr.filter((v) => v > (lr[tok.id] as number)).length);
      assert.equal(p.top[0]?.id, lr.indexOf(max));
    });
    await ins.dispose();
  });

  test('a create that fails after opening the statistics session releases it', async () => {
    const model = await inspectable(bundledModel);
    const opened: ort.InferenceSession[] = [];
    const failing: typeof model = {
      ...model,
      ownSession: undefined, // so create opens the views session at once, which fails
      openSession: () => Promise.reject(new Error('no views today')),
      openCpuSession: async (bytes) => {
        const session = await model.openCpuSession(bytes);
        opened.push(session);
        return session;
      },
    };
    await assert.rejects(Inspector.create(failing, { cacheDir: cacheDir() }), /no views today/);
    assert.equal(opened.length, 1);
    // a released session refuses feeds a live one runs
    const feeds = {
      logits: new ort.Tensor('float32', Float32Array.of(1, 2), [1, 2]),
      actual: new ort.Tensor('int64', BigInt64Array.of(0n), [1, 1]),
      k: new ort.Tensor('int64', BigInt64Array.of(1n), [1]),
    };
    await assert.rejects(opened[0]?.run(feeds) as Promise<unknown>);
  });
});
