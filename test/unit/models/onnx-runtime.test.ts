// Every model folder's ONNX graph: the Optimum decoder layout, agreement with torch, KV cache and causality.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  dims,
  emptyPast,
  greedyRecompute,
  greedyWithCache,
  maxAbsDiff,
  modelFolders,
  openSession,
  readJson,
  repoRoot,
  row,
  step,
} from '../../support/model-folder';

interface ReferenceRow {
  text: string;
  ids: number[];
  probe_ids: number[];
  probe_logits: number[][];
  argmax: number[];
  logsumexp: number[];
}

const TOL = 1e-4;

function logsumexp(r: Float32Array): number {
  let m = -Infinity;
  for (const v of r) m = Math.max(m, v);
  let s = 0;
  for (const v of r) s += Math.exp(v - m);
  return m + Math.log(s);
}

/** Parameters a config implies for our layouts (tied embedding counted once): the file must hold exactly these. */
function expectedParams(dir: string): number {
  const d = dims(dir);
  const c = readJson<Record<string, number>>(join(dir, 'config.json'));
  const { hidden: h, heads, kvHeads, headDim, vocab, layers } = d;
  if (d.modelType === 'gpt2') {
    const ffn = c.n_inner ?? 4 * h;
    const attn = 3 * (h * h + h) + h * h + h;
    const mlp = h * ffn + ffn + ffn * h + h;
    return vocab * h + d.ctx * h + layers * (attn + mlp + 4 * h) + 2 * h;
  }
  const qkvBias = d.modelType === 'qwen2' ? heads * headDim + 2 * kvHeads * headDim : 0;
  const attn = h * heads * headDim + 2 * h * kvHeads * headDim + heads * headDim * h + qkvBias;
  const mlp = 3 * h * (c.intermediate_size ?? 0);
  return vocab * h + layers * (attn + mlp + 2 * h) + h;
}

for (const { name, dir } of modelFolders()) {
  describe(`model folder ${name}`, () => {
    test('has the files of the Transformers.js layout', () => {
      for (const f of [
        'config.json',
        'generation_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'onnx/model.onnx',
      ]) {
        assert.ok(existsSync(join(dir, f)), `${name}: ${f} is missing`);
      }
      const tc = readJson<{ chat_template?: string }>(join(dir, 'tokenizer_config.json'));
      assert.match(tc.chat_template ?? '', /<\|im_start\|>/);
    });

    test('stores every weight once (tied embedding included)', () => {
      const bytes = statSync(join(dir, 'onnx', 'model.onnx')).size;
      const weights = expectedParams(dir) * 4;
      assert.ok(bytes >= weights, `${bytes} bytes < ${weights} bytes of weights`);
      // graph structure and small constants are well under the embedding's size
      const d = dims(dir);
      assert.ok(bytes - weights < Math.min(200_000, d.vocab * d.hidden * 4), `${bytes - weights} extra bytes`);
    });

    test('names its inputs and outputs as Optimum decoders do', async () => {
      const d = dims(dir);
      const s = await openSession(dir);
      const past = Array.from({ length: d.layers }, (_, i) => [
        `past_key_values.${i}.key`,
        `past_key_values.${i}.value`,
      ]).flat();
      // the recipe records which graphs take position_ids (GPT-2 and the fused-attention fixture do not)
      const recorded = readJson<{ inputs: string[] }>(join(repoRoot, 'test', 'fixtures', 'reference', `${name}.json`));
      const withPos = recorded.inputs.includes('position_ids');
      assert.equal(withPos, d.modelType !== 'gpt2' && name !== 'llama-gqa-fused');
      assert.deepEqual(s.inputNames, ['input_ids', 'attention_mask', ...(withPos ? ['position_ids'] : []), ...past]);
      assert.deepEqual(s.inputNames, recorded.inputs);
      assert.deepEqual(s.outputNames, ['logits', ...past.map((p) => p.replace('past_key_values', 'present'))]);
    });

    test('matches the recorded torch forward pass within 1e-4 (past length 0 as empty tensors)', async () => {
      const d = dims(dir);
      const s = await openSession(dir);
      const ref = readJson<{ rows: ReferenceRow[] }>(join(repoRoot, 'test', 'fixtures', 'reference', `${name}.json`));
      for (const r of ref.rows) {
        const { logits, past } = await step(s, d, r.ids, emptyPast(d));
        assert.equal(logits.length, r.ids.length * d.vocab);
        assert.deepEqual(past['past_key_values.0.key']?.dims, [1, d.kvHeads, r.ids.length, d.headDim]);
        for (let t = 0; t < r.ids.length; t++) {
          const lr = row(logits, t, d.vocab);
          const probe = r.probe_ids.map((id) => lr[id] as number);
          assert.ok(maxAbsDiff(probe, r.probe_logits[t] ?? []) < TOL, `${name} position ${t} probe logits`);
          assert.ok(Math.abs(logsumexp(lr) - (r.logsumexp[t] ?? NaN)) < TOL, `${name} position ${t} logsumexp`);
        }
        assert.deepEqual(
          Array.from({ length: r.ids.length }, (_, t) => {
            const lr = row(logits, t, d.vocab);
            return lr.indexOf(Math.max(...lr));
          }),
          r.argmax,
        );
      }
    });

    test('is causal: appending tokens leaves the logits of the prefix unchanged', async () => {
      const d = dims(dir);
      const s = await openSession(dir);
      const ids = [1, 40, 41, 300, 301, 1000, 17, 99, 5000, 6, 7, 8];
      const short = await step(s, d, ids.slice(0, 5), emptyPast(d));
      const long = await step(s, d, ids, emptyPast(d));
      assert.ok(maxAbsDiff(short.logits, long.logits.subarray(0, 5 * d.vocab)) < TOL);
      // and the appended positions do differ from a shifted copy: the test can fail
      assert.ok(maxAbsDiff(row(long.logits, 5, d.vocab), row(long.logits, 4, d.vocab)) > TOL);
    });

    test('KV cache: prefill in two parts and token-by-token steps equal one full pass', async () => {
      const d = dims(dir);
      const s = await openSession(dir);
      const ids = [1, 230, 231, 232, 2000, 2001, 90, 91, 92, 93];
      const full = await step(s, d, ids, emptyPast(d));
      const first = await step(s, d, ids.slice(0, 4), emptyPast(d));
      const rest = await step(s, d, ids.slice(4), first.past);
      assert.ok(maxAbsDiff(rest.logits, full.logits.subarray(4 * d.vocab)) < TOL);
      let past = emptyPast(d);
      for (let t = 0; t < ids.length; t++) {
        const r = await step(s, d, [ids[t] as number], past);
        assert.ok(maxAbsDiff(r.logits, row(full.logits, t, d.vocab)) < TOL, `${name} step ${t}`);
        past = r.past;
      }
    });

    test('greedy generation with the KV cache equals full recompute', async () => {
      const d = dims(dir);
      const s = await openSession(dir);
      const prompt = [1, 500, 501, 502];
      const n = name === 'glassbox-tiny' ? 48 : 24;
      const cached = await greedyWithCache(s, d, prompt, n);
      const recomputed = await greedyRecompute(s, d, prompt, n);
      assert.equal(cached.length, n);
      assert.deepEqual(cached, recomputed);
    });
  });
}
