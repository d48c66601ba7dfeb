// Every Hub layout fixture x variant: greedy = Transformers.js (and torch for fp32), log-probs = plain ORT, every
// inspector view shown and equal to its reference (attention = torch, lens last layer = the model's own prediction).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import type { PreTrainedModel } from '@huggingface/transformers';
import { generate } from '../../../src/engine/generation/generate';
import { materialise } from '../../../src/engine/inspect/dequantize';
import { analyseDecoder, isAvailable } from '../../../src/engine/inspect/graph-analysis';
import { promoteOutputs } from '../../../src/engine/inspect/graph-edit';
import { Inspector } from '../../../src/engine/inspect/inspector';
import { decodeGraph, type OnnxTensor } from '../../../src/engine/inspect/onnx-proto';
import { inspectableModel } from '../../../src/engine/inspect/loaded-model';
import { disposeModel, loadModel } from '../../../src/engine/model/model';
import { DTYPE_SUFFIX } from '../../../src/protocol/dtypes';
import { fixturesDir } from '../../support/model-folder';
import { hubFixtures, logSoftmax, plainLogits } from '../../support/hub-fixtures';

env.allowRemoteModels = false;
env.localModelPath = join(fixturesDir, 'hub');

const cacheDir = mkdtempSync(join(tmpdir(), 'glassbox-hub-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Computed in float16 somewhere: logits and attention are only as exact as half precision. */
const half = (dtype: string) => dtype === 'fp16' || dtype.endsWith('f16');
/** Weights rounded by quantization: attention moves away from the float32 torch model. */
const quantized = (dtype: string) => dtype !== 'fp32' && dtype !== 'fp16';

/** Transformers.js's greedy tokens for `ids` (it stops at EOS; we compare up to there). */
async function transformersJsGreedy(name: string, file: string, dtype: string, ids: number[], n: number) {
  const model = (await AutoModelForCausalLM.from_pretrained(name, {
    dtype: dtype as 'fp32',
    device: 'cpu',
    model_file_name: basename(file, `${DTYPE_SUFFIX[dtype] ?? ''}.onnx`),
  })) as PreTrainedModel;
  try {
    const input_ids = new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
    const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    const out = (await model.generate({
      input_ids,
      attention_mask,
      max_new_tokens: n,
      do_sample: false,
      repetition_penalty: 1.0,
    })) as Tensor;
    return ((out.tolist() as bigint[][])[0] ?? []).map(Number).slice(ids.length);
  } finally {
    await model.dispose();
  }
}

for (const fx of hubFixtures()) {
  for (const { file, dtype } of fx.variants) {
    describe(`${fx.name} ${dtype} (${file})`, () => {
      test('greedy tokens equal Transformers.js (and the torch model for fp32)', async () => {
        const model = await loadModel(fx.dir, { dtype, ep: 'cpu', threads: 1 });
        try {
          assert.equal(basename(model.folder.onnxPath), basename(file));
          for (const input of fx.inputs) {
            const ours = await generate({ ...model, eosIds: [] }, input.ids, { greedy: true, maxNewTokens: 24 });
            if (dtype === 'fp32') assert.deepEqual(ours.tokens, input.greedy, 'torch greedy');
            const theirs = await transformersJsGreedy(fx.name, file, dtype, input.ids, 24);
            assert.ok(theirs.length > 0);
            assert.deepEqual(theirs, ours.tokens.slice(0, theirs.length), 'Transformers.js greedy');
            if (theirs.length < 24) assert.ok(model.eosIds.includes(theirs.at(-1) as number));
          }
        } finally {
          await disposeModel(model);
        }
      });

      // (a merged decoder has no table outside its If subgraphs: the views test checks it says so)
      const merged = basename(file).startsWith('decoder_model_merged');
      if (!merged) test('the embedding table Glassbox dequantizes equals the rows ONNX Runtime gathers', async () => {
        const loaded = await loadModel(fx.dir, { dtype, ep: 'cpu', threads: 1 });
        try {
          const onnxPath = loaded.folder.onnxPath;
          const graph = decodeGraph(readFileSync(onnxPath));
          const anatomy = analyseDecoder(graph, loaded.dims);
          assert.ok(isAvailable(anatomy.embedding) && isAvailable(anatomy.residual));
          const tensors = new Map(graph.initializer.map((x) => [x.name, x]));
          const table = materialise(anatomy.embedding, (name) => tensors.get(name) as OnnxTensor, onnxPath);
          const first = anatomy.residual[0] as string;
          const edited = promoteOutputs(onnxPath, graph, [first], cacheDir);
          const model = inspectableModel(loaded);
          const session = await model.openSession(edited);
          const ids = (fx.inputs[0] as (typeof fx.inputs)[0]).ids;
          const out = await model.run(session, ids, [first]);
          await session.release();
          const gathered = out[first] as Float32Array;
          const d = loaded.dims.hidden;
          // Gemma scales the looked-up rows by sqrt(hidden) before the first layer
          const scale = /gemma/.test(String(loaded.folder.config.model_type)) ? Math.sqrt(d) : 1;
          let diff = 0;
          ids.forEach((id, i) => {
            for (let c = 0; c < d; c++) {
              const want = gathered[i * d + c] as number;
              const got = (table.data[id * d + c] as number) * scale;
              diff = Math.max(diff, Math.abs(want - got) / Math.max(1, Math.abs(want)));
            }
          });
          assert.ok(diff < (half(dtype) ? 2e-3 : 1e-6), `embedding rows differ by ${diff}`);
        } finally {
          await disposeModel(loaded);
        }
      });

      test('every inspector view is shown and equals its reference', async () => {
        const loaded = await loadModel(fx.dir, { dtype, ep: 'cpu', threads: 1 });
        const ins = await Inspector.create(inspectableModel(loaded), { cacheDir });
        try {
          const input = fx.inputs[0] as (typeof fx.inputs)[0];
          const r = await ins.inspect(input.text, { topK: 5 });
          assert.deepEqual([r.bos?.id, ...r.tokens.map((t) => t.id)], input.ids);
          if (merged) {
            // the layers live inside If subgraphs: each view is refused, naming that cause
            for (const view of [r.attention, r.lens, r.embeddings]) {
              assert.equal(view.available, false);
              assert.match(String('reason' in view && view.reason), /If subgraphs \(a merged decoder/);
            }
            await assert.rejects(ins.attention(r.handle, 0, 0), /If subgraphs/);
            await assert.rejects(ins.lens(r.handle, 1), /If subgraphs/);
            assert.throws(() => ins.neighbours(input.ids[1] as number), /If subgraphs/);
            return;
          }
          assert.deepEqual(r.attention, { available: true });
          assert.deepEqual(r.lens, { available: true });
          assert.deepEqual(r.embeddings, { available: true });
          const V = loaded.dims.vocab;
          const n = input.ids.length;

          // per-token numbers: a plain ORT pass on the same file, and (fp32) the torch model
          const logits = await plainLogits(loaded.folder.onnxPath, input.ids);
          let vsOrt = 0;
          let vsTorch = 0;
          r.positions.forEach((p, i) => {
            if (!p) return;
            const expected = logSoftmax(logits.subarray(i * V, (i + 1) * V))[input.ids[i + 1] as number] as number;
            vsOrt = Math.max(vsOrt, Math.abs(p.logprob - expected));
            vsTorch = Math.max(vsTorch, Math.abs(p.logprob - (input.next_logprob[i] as number)));
          });
          assert.ok(vsOrt < 1e-4, `log-probs differ from plain ORT by ${vsOrt}`);
          if (dtype === 'fp32') assert.ok(vsTorch < 1e-4, `log-probs differ from torch by ${vsTorch}`);

          // attention: causal rows that are distributions; fp32 equals torch's eager attention, fp16 within half
          // precision; quantized weights move attention far from the float model's (reported, not compared)
          const reference = input.attention as number[][][][];
          let attDiff = 0;
          for (let l = 0; l < r.layers; l++) {
            for (let h = 0; h < r.heads; h++) {
              const { size, data } = await ins.attention(r.handle, l, h);
              assert.equal(size, n);
              for (let q = 0; q < n; q++) {
                let sum = 0;
                for (let k = 0; k < n; k++) {
                  sum += data[q * n + k] as number;
                  if (k > q) assert.equal(data[q * n + k], 0, `layer ${l} head ${h} attends ahead`);
                  attDiff = Math.max(attDiff, Math.abs((data[q * n + k] as number) - (reference[l]?.[h]?.[q]?.[k] as number)));
                }
                assert.ok(Math.abs(sum - 1) < 1e-3, `layer ${l} head ${h} row ${q} sums to ${sum}`);
              }
            }
          }
          if (!quantized(dtype))
            assert.ok(attDiff < (half(dtype) ? 2e-2 : 1e-4), `attention differs from torch by ${attDiff}`);

          // logit lens: one entry per layer from the embeddings; the last layer is the model's own prediction
          let lensDiff = 0;
          for (const [i, p] of r.positions.entries()) {
            if (!p) continue;
            const layers = await ins.lens(r.handle, i, 5);
            assert.equal(layers.length, r.layers + 1);
            const last = layers.at(-1) as (typeof layers)[0];
            // deep in the tail, ties of half-precision logits may swap neighbours' ranks
            if (p.rank <= 5 && !half(dtype)) assert.equal(last.rank, p.rank);
            else {
              const slack = half(dtype) ? V / 200 : 2;
              assert.ok(Math.abs(last.rank - p.rank) <= slack, `lens rank ${last.rank}, logits rank ${p.rank}`);
            }
            const logitsProb = new Map(p.top.map((t) => [t.id, t.prob]));
            for (const t of last.top) {
              const q = logitsProb.get(t.id);
              if (q !== undefined) lensDiff = Math.max(lensDiff, Math.abs(Math.log(t.prob) - Math.log(q)));
            }
            // half-precision logits can tie exactly; the lens (float32) may then order the tied pair either way
            const best = Math.log(p.top[0]?.prob as number);
            const tied = p.top.filter((t) => best - Math.log(t.prob) <= (half(dtype) ? 5e-2 : 1e-4));
            assert.ok(tied.some((t) => t.id === last.top[0]?.id), `lens top ${last.top[0]?.id}, logits top ${p.top[0]?.id}`);
          }
          assert.ok(lensDiff < (half(dtype) ? 5e-2 : 1e-4), `lens last layer differs from the logits by ${lensDiff}`);

          // neighbours: the token itself first, at cosine 1, then decreasing
          for (const t of r.tokens.slice(0, 4)) {
            const near = ins.neighbours(t.id, 5);
            assert.equal(near[0]?.id, t.id);
            assert.ok(Math.abs((near[0]?.cosine as number) - 1) < 1e-5);
            for (let j = 1; j < near.length; j++) assert.ok((near[j]?.cosine as number) <= (near[j - 1]?.cosine as number));
          }
          console.log(`# ${fx.name} ${dtype}: log-prob vs ORT ${vsOrt.toExponential(1)}, vs torch ${vsTorch.toExponential(1)}, attention vs torch ${attDiff.toExponential(1)}, lens ${lensDiff.toExponential(1)}`);
        } finally {
          await ins.dispose();
          await disposeModel(loaded);
        }
      });
    });
  }
}
