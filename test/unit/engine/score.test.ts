// Scoring against plain onnxruntime-node: per-token log-probs within 1e-4 (one window and sliding windows), bits per byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/engine/model/model';
import { scoreIds, scoreText } from '../../../src/engine/inspect/score';
import { dims, emptyPast, modelFolders, openSession, repoRoot, row, step } from '../../support/model-folder';

const loaded: LoadedModel[] = [];
after(async () => {
  for (const m of loaded) await disposeModel(m);
});

function refLogProb(r: Float32Array, target: number): number {
  let m = -Infinity;
  for (const v of r) m = Math.max(m, v);
  let s = 0;
  for (const v of r) s += Math.exp(v - m);
  return (r[target] as number) - m - Math.log(s);
}

const text = 'const answer = compute(42); // 漢字 🙂\nfor (let i = 0; i < n; i++) total += xs[i];\n';

for (const { name, dir } of modelFolders()) {
  describe(`score on ${name}`, () => {
    test('per-token log-probs equal one plain onnxruntime-node pass (1e-4); bits per byte follow', async () => {
      const model = await loadModel(dir, { ep: 'cpu', threads: 1 });
      loaded.push(model);
      const ours = await scoreText(model, text, { chunk: 7 });
      const d = dims(dir);
      const session = await openSession(dir);
      const { logits } = await step(session, d, Array.from(ours.ids), emptyPast(d));
      await session.release();
      assert.ok(Number.isNaN(ours.logprobs[0]));
      let bits = 0;
      for (let t = 1; t < ours.ids.length; t++) {
        const ref = refLogProb(row(logits, t - 1, d.vocab), ours.ids[t] as number);
        assert.ok(
          Math.abs((ours.logprobs[t] as number) - ref) < 1e-4,
          `${name} token ${t}: ${ours.logprobs[t]} vs ${ref}`,
        );
        bits -= ref / Math.LN2;
      }
      assert.equal(ours.bytes, new TextEncoder().encode(text).length);
      assert.ok(Math.abs(ours.bitsPerByte - bits / ours.bytes) < 1e-6);
    });
  });
}

describe('sliding windows over a text longer than the context', () => {
  test('each token is scored given its window: equals full passes over the same windows', async () => {
    const model = loaded.find((m) => m.folder.name === 'gpt2') as LoadedModel;
    const long = readFileSync(join(repoRoot, 'src', 'engine', 'model', 'tokenizer.ts'), 'utf8').slice(
      0,
      4000,
    );
    const ids = model.tokenizer.encodeIds(long);
    const W = model.dims.contextLength;
    assert.ok(ids.length > 2 * W, `${ids.length} tokens`);
    const S = 200;
    const ours = await scoreIds(model, ids, { stride: S });
    const d = dims(model.folder.dir);
    const session = await openSession(model.folder.dir);
    // Reference: token t is scored in the first window [k*S, k*S + W) that contains it, with one full pass per window.
    let done = 1;
    for (let start = 0; done < ids.length; start += S) {
      const end = Math.min(start + W, ids.length);
      const { logits } = await step(session, d, ids.slice(start, end), emptyPast(d));
      for (let t = done; t < end; t++) {
        const ref = refLogProb(row(logits, t - 1 - start, d.vocab), ids[t] as number);
        assert.ok(Math.abs((ours[t] as number) - ref) < 1e-4, `token ${t}`);
      }
      done = end;
    }
    await session.release();
  });
});
