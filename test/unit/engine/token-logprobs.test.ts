// model/generate's per-token log-probabilities against one plain ONNX Runtime pass; model/tokenize and model/detokenize.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EngineService } from '../../../src/engine/engine-service';
import type { GenerateChunk, TokenLogprob } from '../../../src/protocol/engine-methods';
import { bundledModel, dims, emptyPast, openSession, row, step } from '../../support/model-folder';

const service = new EngineService();
const ctx = { signal: new AbortController().signal, stream: () => undefined };
before(() => service.handle('model/load', { dir: bundledModel, ep: 'cpu', threads: 1 }, ctx));
after(() => service.dispose());

async function generate(params: Record<string, unknown>): Promise<GenerateChunk[]> {
  const chunks: GenerateChunk[] = [];
  await service.handle('model/generate', params, { ...ctx, stream: (c) => chunks.push(c) });
  return chunks;
}

/** ln softmax of a row, in float64 (the reference's own arithmetic). */
function logSoftmax(r: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of r) max = Math.max(max, v);
  let sum = 0;
  for (const v of r) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(r, (v) => v - lse);
}

describe('model/generate logprobs', () => {
  test('sampled tokens carry the raw log-softmax and the top alternatives of a plain ORT pass', async () => {
    const prompt = 'def fib(n):\n';
    const chunks = await generate({
      prompt,
      temperature: 1.3,
      topK: 40,
      seed: 7,
      maxNewTokens: 12,
      logprobs: 5,
    });
    const text = chunks.filter((c) => c.kind === 'text');
    const logprobs = text.flatMap((c) => c.logprobs ?? []);
    const tokens = text.flatMap((c) => c.tokens);
    assert.equal(logprobs.length, tokens.length, 'one entry per generated token');
    assert.deepEqual(
      logprobs.map((l) => l.id),
      tokens,
    );

    const summary = chunks.find((c) => c.kind === 'summary');
    assert.ok(summary?.kind === 'summary');
    const ids = [...summary.summary.promptTokens, ...tokens];
    const d = dims(bundledModel);
    const session = await openSession(bundledModel);
    const { logits } = await step(session, d, ids, emptyPast(d));
    await session.release();
    const p = summary.summary.promptTokens.length;
    logprobs.forEach((l: TokenLogprob, i) => {
      const ref = logSoftmax(row(logits, p - 1 + i, d.vocab));
      assert.ok(
        Math.abs(l.logprob - (ref[l.id] as number)) < 1e-4,
        `token ${i}: ${l.logprob} vs ${ref[l.id]}`,
      );
      const best = [...ref.keys()].sort((a, b) => (ref[b] as number) - (ref[a] as number)).slice(0, 5);
      assert.deepEqual(
        l.top.map((t) => t.id),
        best,
        `token ${i}: top ids`,
      );
      for (const t of l.top) assert.ok(Math.abs(t.logprob - (ref[t.id] as number)) < 1e-4);
      assert.ok(
        l.top.every((t, k) => k === 0 || t.logprob <= (l.top[k - 1]?.logprob as number)),
        'sorted',
      );
    });
  });

  test('without logprobs the text chunks carry none', async () => {
    const chunks = await generate({ prompt: 'x = ', greedy: true, maxNewTokens: 3 });
    assert.ok(chunks.some((c) => c.kind === 'text'));
    for (const c of chunks) assert.ok(!('logprobs' in c), JSON.stringify(c));
  });
});

describe('model/tokenize and model/detokenize', () => {
  test('messages tokenize to what model/countTokens counts; pieces name each token', async () => {
    const messages = [{ role: 'user', content: 'hello there' }];
    const r = await service.handle('model/tokenize', { messages, pieces: true }, ctx);
    const count = await service.handle('model/countTokens', { messages }, ctx);
    assert.equal(r.ids.length, count.tokens);
    assert.deepEqual(
      r.pieces?.map((p) => p.id),
      r.ids,
    );
  });

  test('addSpecialTokens adds the BOS; detokenize inverts tokenize', async () => {
    const text = 'const answer = 42; // ünïcode';
    const plain = await service.handle('model/tokenize', { text }, ctx);
    const special = await service.handle('model/tokenize', { text, addSpecialTokens: true }, ctx);
    assert.deepEqual(special.ids, [1, ...plain.ids], 'BOS (id 1) first');
    assert.equal((await service.handle('model/detokenize', { ids: plain.ids }, ctx)).text, text);
    const skipped = await service.handle(
      'model/detokenize',
      { ids: special.ids, skipSpecialTokens: true },
      ctx,
    );
    assert.equal(skipped.text, text);
  });
});
