// Generation on the bundled model: KV cache = full recompute (256 tokens), Transformers.js greedy parity, seeds, stops, cancel.
import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { generate, type GenerationModel } from '../../../src/engine/generation/generate';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/engine/model/model';
import { bundledModel, dims, greedyRecompute, openSession } from '../../support/model-folder';

env.allowRemoteModels = false;

let model: LoadedModel;
/** The bundled model with no EOS ids, so it runs as long as asked. */
let endless: GenerationModel;
before(async () => {
  model = await loadModel(bundledModel, { ep: 'cpu', threads: 1 });
  endless = { ...model, eosIds: [] };
});
after(() => disposeModel(model));

const prompt = 'function add(a, b) {\n';

describe('generation', () => {
  test('greedy with the KV cache equals full recompute for 256 tokens', async () => {
    const ids = model.tokenizer.encodeIds(prompt);
    const ours = await generate(endless, ids, { greedy: true, maxNewTokens: 256 });
    assert.equal(ours.tokens.length, 256);
    const session = await openSession(bundledModel);
    const reference = await greedyRecompute(session, dims(bundledModel), ids, 256);
    await session.release();
    assert.deepEqual(ours.tokens, reference);
    assert.equal(ours.stopReason, 'max-tokens');
  });

  test('greedy text equals Transformers.js on the same folder', async () => {
    env.localModelPath = dirname(bundledModel);
    const tok = await AutoTokenizer.from_pretrained(basename(bundledModel));
    const tj = (await AutoModelForCausalLM.from_pretrained(basename(bundledModel), {
      dtype: 'fp32',
      device: 'cpu',
    })) as PreTrainedModel;
    try {
      for (const p of [prompt, 'import os\n\ndef main():\n', '// 漢字 and 🙂 in a comment\n']) {
        const inputs = tok(p) as { input_ids: Tensor; attention_mask: Tensor };
        const promptIds = ((inputs.input_ids.tolist() as bigint[][])[0] ?? []).map(Number);
        const out = (await tj.generate({
          ...inputs,
          max_new_tokens: 40,
          do_sample: false,
          repetition_penalty: 1.0,
        })) as Tensor;
        const theirs = ((out.tolist() as bigint[][])[0] ?? []).map(Number).slice(promptIds.length);
        const ours = await generate(model, model.tokenizer.encodeIds(p), { greedy: true, maxNewTokens: 40 });
        assert.deepEqual(ours.promptTokens, promptIds);
        assert.deepEqual(ours.tokens, theirs, JSON.stringify(p));
        assert.equal(ours.text, tok.decode(theirs, { skip_special_tokens: true }));
      }
    } finally {
      await tj.dispose();
    }
  });

  test('a seed reproduces a sampled generation; timings are reported', async () => {
    const ids = model.tokenizer.encodeIds(prompt);
    const opts = { temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.1, maxNewTokens: 24 };
    const a = await generate(endless, ids, { ...opts, seed: 42 });
    const b = await generate(endless, ids, { ...opts, seed: 42 });
    const c = await generate(endless, ids, { ...opts, seed: 43 });
    assert.deepEqual(a.tokens, b.tokens);
    assert.notDeepEqual(a.tokens, c.tokens);
    assert.ok(a.timings.prefillMs > 0 && a.timings.firstTokenMs >= a.timings.prefillMs);
    assert.ok(a.timings.decodeTokensPerSecond > 0);
  });

  test('stops on an EOS id (the id is returned, its text is not)', async () => {
    const ids = model.tokenizer.encodeIds(prompt);
    const free = await generate(endless, ids, { greedy: true, maxNewTokens: 12 });
    const stopAt = free.tokens[5] as number;
    const r = await generate({ ...model, eosIds: [stopAt] }, ids, { greedy: true, maxNewTokens: 12 });
    assert.equal(r.stopReason, 'eos');
    assert.deepEqual(r.tokens, free.tokens.slice(0, free.tokens.indexOf(stopAt) + 1));
  });

  test('stops on a stop string and cuts the text before it; streamed chunks add up to the text', async () => {
    const ids = model.tokenizer.encodeIds(prompt);
    const free = await generate(endless, ids, { greedy: true, maxNewTokens: 30 });
    const stop = free.text.slice(8, 11);
    assert.equal(stop.length, 3);
    const chunks: string[] = [];
    const r = await generate(endless, ids, {
      greedy: true,
      maxNewTokens: 30,
      stopStrings: ['never-appears', stop],
      onChunk: (c) => chunks.push(c.text),
    });
    assert.equal(r.stopReason, 'stop-string');
    assert.equal(r.text, free.text.slice(0, free.text.indexOf(stop)));
    assert.equal(chunks.join(''), r.text);
    assert.ok(r.tokens.length < free.tokens.length);
  });

  test('streamed chunks are whole characters across token boundaries (emoji, CJK)', async () => {
    // A scripted continuation whose characters span several byte-level tokens each.
    const text = '漢字🙂👩‍💻かな';
    const targets = model.tokenizer.encodeIds(text, { addSpecialTokens: false });
    let i = 0;
    const scripted: GenerationModel = {
      ...endless,
      // a session whose logits always favour the next scripted token
      session: {
        ...endless.session,
        run: async (feeds: Record<string, unknown>, fetches: string[]) => {
          const out = await endless.session.run(feeds as never, fetches);
          const logits = out.logits?.data as Float32Array;
          const V = model.dims.vocab;
          const row = logits.subarray(logits.length - V);
          row.fill(0);
          row[targets[Math.min(i++, targets.length - 1)] as number] = 100;
          return out;
        },
      } as never,
    };
    const chunks: string[] = [];
    const r = await generate(scripted, [1], {
      greedy: true,
      maxNewTokens: targets.length,
      onChunk: (c) => chunks.push(c.text),
    });
    assert.equal(r.text, text);
    assert.equal(chunks.join(''), text);
    assert.ok(
      chunks.some((c) => c === ''),
      'some chunks had to wait',
    );
    for (const c of chunks) {
      assert.ok(!c.includes('\uFFFD'));
      assert.equal(new TextDecoder().decode(new TextEncoder().encode(c)), c);
    }
  });

  test('cancellation takes effect before the next step', async () => {
    const ids = model.tokenizer.encodeIds(prompt);
    const controller = new AbortController();
    let steps = 0;
    const r = await generate(endless, ids, {
      greedy: true,
      maxNewTokens: 100,
      signal: controller.signal,
      onChunk: (c) => {
        if (c.tokens.length) steps++;
        if (steps === 3) controller.abort();
      },
    });
    assert.equal(r.stopReason, 'cancelled');
    assert.equal(r.tokens.length, 3);
  });

  test('a prompt longer than the context is an error, a full context stops generation', async () => {
    const ctx = model.dims.contextLength;
    await assert.rejects(generate(model, new Array<number>(ctx + 1).fill(5)), /needs 513 positions/);
    const r = await generate(endless, new Array<number>(ctx - 2).fill(5), { greedy: true, maxNewTokens: 10 });
    assert.equal(r.stopReason, 'context-length');
    assert.equal(r.tokens.length, 3);
  });
});
