// Step-through against plain onnxruntime-node: the same greedy tokens and distributions; re-sampling never runs the model.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EngineService } from '../../../src/engine/engine-service';
import type { RequestContext } from '../../../src/engine/method-table';
import type { EngineMethod, EngineParams, EngineResult } from '../../../src/protocol/engine-methods';
import {
  argmax,
  bundledModel,
  dims,
  emptyPast,
  fixturesDir,
  greedyWithCache,
  openSession,
  row,
  step,
} from '../../support/model-folder';

const service = new EngineService();
after(() => service.dispose());
const ctx: RequestContext = { signal: new AbortController().signal, stream: () => undefined };
const call = <M extends EngineMethod>(method: M, params: EngineParams<M>): Promise<EngineResult<M>> =>
  service.handle(method, params, ctx as never);

function logSoftmax(x: Float32Array): Float64Array {
  const m = Math.max(...x);
  const lse = m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
  return Float64Array.from(x, (v) => v - lse);
}

describe('generation step-through', () => {
  test('appending the top token each step gives plain ORT greedy tokens; distributions match its softmax', async () => {
    await service.load({ dir: bundledModel, ep: 'cpu', threads: 1 });
    const s = await call('step/start', { prompt: 'function add(a, b) {\n', topK: 5 });
    const promptIds = s.prompt.map((t) => t.id);
    const d = dims(bundledModel);
    const session = await openSession(bundledModel);
    const expected = await greedyWithCache(session, d, promptIds, 24);
    const { logits } = await step(session, d, promptIds, emptyPast(d));
    const ref = logSoftmax(row(logits, promptIds.length - 1, d.vocab));
    await session.release();
    s.next.top.forEach((c) => assert.ok(Math.abs(Math.log(c.prob) - (ref[c.id] as number)) < 1e-4));
    const entropy = -ref.reduce((sum, lp) => sum + Math.exp(lp) * lp, 0);
    assert.ok(Math.abs(s.next.entropy - entropy) < 1e-4);
    assert.equal(s.next.used, promptIds.length);

    let next = s.next;
    const got: number[] = [];
    for (let i = 0; i < 24; i++) {
      const id = next.top[0]?.id as number;
      got.push(id);
      next = (await call('step/append', { handle: s.handle, id, topK: 5 })).next;
    }
    assert.deepEqual(got, expected);
    assert.equal(next.used, promptIds.length + 24);
  });

  test('an appended token carries its bytes and the probability and rank it had before it was appended', async () => {
    const text = 'const smile = "😀 ok";\n';
    const s = await call('step/start', { prompt: text, topK: 5 });
    const own = s.prompt.filter((t) => t.id !== service.model?.bosId);
    const bytes = Buffer.concat(own.map((t) => Buffer.from(t.bytes)));
    assert.equal(bytes.toString('utf8'), text, 'prompt tokens’ bytes are the prompt');
    assert.ok(
      own.some((t) => t.text.startsWith('<0x')),
      'the emoji is split into byte tokens (what the grouping is for)',
    );
    const d = dims(bundledModel);
    const session = await openSession(bundledModel);
    const ids = s.prompt.map((t) => t.id);
    const { logits } = await step(session, d, ids, emptyPast(d));
    await session.release();
    const ref = row(logits, ids.length - 1, d.vocab);
    const lp = logSoftmax(ref);
    // the third most likely token: rank 3 unless it ties with a higher one
    const third = s.next.top[2] as { id: number };
    const { appended } = await call('step/append', { handle: s.handle, id: third.id });
    const higher = ref.reduce((n, v) => n + (v > (ref[third.id] as number) ? 1 : 0), 0);
    assert.equal(appended.rank, higher + 1);
    assert.equal(appended.rank, 3);
    assert.ok(Math.abs(Math.log(appended.prob) - (lp[third.id] as number)) < 1e-4);
    const tokenized = await call('model/tokenize', { text: 'x = 1' });
    const plain = await call('step/start', { prompt: 'x = 1' });
    assert.deepEqual(
      tokenized.ids,
      plain.prompt.map((t) => t.id).filter((id) => id !== service.model?.bosId),
    );
  });

  test('re-sampling uses the cached logits only: seeded, temperature 0 is argmax, top-k/top-p shrink the set', async () => {
    const model = service.model;
    assert.ok(model);
    const s = await call('step/start', { messages: [{ role: 'user', content: 'Write a sort function.' }] });
    let runs = 0;
    const run = model.session.run.bind(model.session);
    model.session.run = ((...args: Parameters<typeof run>) => (runs++, run(...args))) as typeof run;
    try {
      const a = await call('step/sample', { handle: s.handle, temperature: 1.3, seed: 7, show: 50 });
      const b = await call('step/sample', { handle: s.handle, temperature: 1.3, seed: 7, show: 50 });
      assert.deepEqual(a, b);
      assert.equal(a.kept, model.dims.vocab, 'no top-k or top-p: every token stays possible');
      // temperature flattens: the processed top prob is below the model's own
      assert.ok((a.top[0]?.prob ?? 1) < (a.top[0]?.modelProb ?? 0));
      const greedy = await call('step/sample', { handle: s.handle, temperature: 0, seed: 1 });
      assert.equal(greedy.chosen.id, s.next.top[0]?.id);
      const k3 = await call('step/sample', { handle: s.handle, temperature: 1, topK: 3, seed: 3 });
      assert.equal(k3.kept, 3);
      assert.ok(k3.top.every((t, i) => t.id === s.next.top[i]?.id));
      const sum = k3.top.reduce((x, t) => x + t.prob, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9);
      const p = await call('step/sample', { handle: s.handle, temperature: 1, topP: 1e-6, seed: 3 });
      assert.equal(p.kept, 1);
      assert.equal(p.chosen.id, s.next.top[0]?.id);
      // 200 draws at the model's own temperature land on tokens in proportion to their probability
      let hits = 0;
      for (let seed = 0; seed < 200; seed++) {
        const r = await call('step/sample', { handle: s.handle, temperature: 1, seed, show: 1 });
        if (r.chosen.id === s.next.top[0]?.id) hits++;
      }
      const p0 = s.next.top[0]?.prob ?? 0;
      assert.ok(
        Math.abs(hits / 200 - p0) < 4 * Math.sqrt((p0 * (1 - p0)) / 200) + 0.01,
        `${hits}/200 vs p=${p0}`,
      );
      assert.equal(runs, 0, 'the model ran while re-sampling');
    } finally {
      model.session.run = run;
    }
    const stop = s.next.top.find((t) => model.eosIds.includes(t.id));
    if (stop) assert.ok(s.next.stopProb >= stop.prob - 1e-9);
  });

  test('bad ids, unknown handles and a model change are coded errors', async () => {
    const s = await call('step/start', { prompt: 'x' });
    await assert.rejects(call('step/append', { handle: s.handle, id: 1e9 }), { code: 'out-of-range' });
    await assert.rejects(call('step/sample', { handle: 'nope', temperature: 1, seed: 1 }), {
      code: 'step-gone',
    });
    await assert.rejects(call('step/sample', { handle: s.handle, temperature: -1, seed: 1 }), {
      code: 'bad-params',
    });
    await service.load({ dir: join(fixturesDir, 'gpt2'), ep: 'cpu', threads: 1 });
    await assert.rejects(call('step/append', { handle: s.handle, id: 1 }), { code: 'step-gone' });
    const g = await call('step/start', { prompt: 'let a = 1;' });
    assert.equal(argmax(Float32Array.from(g.next.top.map((t) => t.logit))), 0);
  });
});
