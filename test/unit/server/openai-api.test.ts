// glassbox serve's OpenAI API through the official `openai` client: chat (streamed and not), logprobs, completions, errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { fromWireJson } from '../../../src/client/wire-json';
import { glassbox } from '../../support/cli';
import { serve, type Served } from '../../support/serve-process';

let server: Served;
let openai: OpenAI;
const model = 'glassbox-tiny';
/** vLLM's extension: greedy with no repetition penalty is what `glassbox generate --greedy` does. */
const plainGreedy = { temperature: 0, repetition_penalty: 1 } as Record<string, unknown>;

before(async () => {
  server = await serve();
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 30_000 });
});
after(() => server.stop());

async function glassboxCall(method: string, params: unknown): Promise<unknown> {
  const r = await fetch(`${server.url}/glassbox/v1/${method}`, {
    method: 'POST',
    body: JSON.stringify(params),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return (fromWireJson(await r.text()) as { result: unknown }).result;
}

describe('glassbox serve: OpenAI API', () => {
  test('GET /v1/models lists the model with its context length', async () => {
    const list = await openai.models.list();
    assert.deepEqual(
      list.data.map((m) => m.id),
      [model],
    );
    assert.equal((list.data[0] as unknown as { max_model_len: number }).max_model_len, 512);
  });

  test('greedy chat equals `glassbox generate --greedy --chat`; streaming gives the same text and usage', async () => {
    const prompt = 'Write a function that adds two numbers.';
    const cli = glassbox([
      'generate',
      '--chat',
      '--greedy',
      '--max-new-tokens',
      '24',
      '--json',
      '--ep',
      'cpu',
      '--prompt',
      prompt,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const expected = JSON.parse(cli.stdout) as { text: string; tokens: number[]; promptTokens: number[] };
    const messages = [{ role: 'user' as const, content: prompt }];
    const whole = await openai.chat.completions.create({ model, messages, max_tokens: 24, ...plainGreedy });
    assert.equal(whole.choices[0]?.message.content, expected.text);
    assert.equal(whole.object, 'chat.completion');
    assert.deepEqual(whole.usage, {
      prompt_tokens: expected.promptTokens.length,
      completion_tokens: expected.tokens.length,
      total_tokens: expected.promptTokens.length + expected.tokens.length,
    });
    assert.equal(whole.choices[0]?.finish_reason, expected.tokens.length === 24 ? 'length' : 'stop');

    const stream = await openai.chat.completions.create({
      model,
      messages,
      max_tokens: 24,
      stream: true,
      stream_options: { include_usage: true },
      ...plainGreedy,
    });
    let text = '';
    let usage: unknown;
    let finish: string | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 3, `${chunks} chunks: streamed, not one body`);
    assert.equal(text, expected.text);
    assert.equal(finish, whole.choices[0]?.finish_reason);
    assert.deepEqual(usage, whole.usage);
  });

  test('greedy completion equals `glassbox generate --greedy` on the same prompt', async () => {
    const prompt = 'function add(a, b) {\n';
    const cli = glassbox([
      'generate',
      '--greedy',
      '--max-new-tokens',
      '20',
      '--json',
      '--ep',
      'cpu',
      '--prompt',
      prompt,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const r = await openai.completions.create({ model, prompt, max_tokens: 20, ...plainGreedy });
    assert.equal(r.choices[0]?.text, (JSON.parse(cli.stdout) as { text: string }).text);
  });

  test('chat logprobs: sorted, greedy picks the top, and equal to the step-through on the same tokens', async () => {
    const messages = [{ role: 'user' as const, content: 'Say hello.' }];
    const r = await openai.chat.completions.create({
      model,
      messages,
      max_tokens: 8,
      logprobs: true,
      top_logprobs: 5,
      ...plainGreedy,
    });
    const content = r.choices[0]?.logprobs?.content ?? [];
    assert.equal(content.length, r.usage?.completion_tokens, 'one entry per generated token (no EOS here)');
    const start = (await glassboxCall('step/start', { messages, topK: 5 })) as {
      handle: string;
      next: { top: { id: number; text: string; prob: number }[] };
    };
    let next = start.next;
    const tokens = (await glassboxCall('model/tokenize', { messages })) as { ids: number[] };
    assert.ok(tokens.ids.length > 0);
    for (const entry of content) {
      assert.equal(entry.top_logprobs.length, 5);
      const lps = entry.top_logprobs.map((t) => t.logprob);
      assert.deepEqual(
        lps,
        [...lps].sort((a, b) => b - a),
        'sorted, most likely first',
      );
      assert.equal(entry.top_logprobs[0]?.token, entry.token, 'greedy: the chosen token is the most likely');
      assert.equal(
        Buffer.from(entry.bytes ?? []).toString('latin1'),
        Buffer.from(entry.token).toString('latin1'),
      );
      // the reference: the step-through's own softmax over the same position
      const ref = next.top;
      entry.top_logprobs.forEach((t, k) => {
        assert.equal(t.token, ref[k]?.text);
        assert.ok(
          Math.abs(t.logprob - Math.log(ref[k]?.prob ?? 0)) < 1e-4,
          `${t.logprob} vs ${Math.log(ref[k]?.prob ?? 0)}`,
        );
      });
      const appended = (await glassboxCall('step/append', {
        handle: start.handle,
        id: ref[0]?.id,
        topK: 5,
      })) as {
        appended: { prob: number };
        next: typeof next;
      };
      assert.ok(Math.abs(entry.logprob - Math.log(appended.appended.prob)) < 1e-4);
      next = appended.next;
    }
    await glassboxCall('step/release', { handle: start.handle });
  });

  test('completions echo with max_tokens 0: the prompt log-probs of `glassbox inspect --json`', async () => {
    const prompt = 'def add(a, b):\n    return a + b\n';
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-serve-'));
    try {
      writeFileSync(join(dir, 'p.txt'), prompt);
      const cli = glassbox([
        'inspect',
        '--json',
        '--ep',
        'cpu',
        '--top-k',
        '3',
        '--file',
        join(dir, 'p.txt'),
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      const expected = JSON.parse(cli.stdout) as {
        tokens: { text: string; start: number }[];
        positions: ({ logprob: number; top: { text: string; prob: number }[] } | null)[];
      };
      const r = await openai.completions.create({ model, prompt, max_tokens: 0, echo: true, logprobs: 3 });
      const c = r.choices[0];
      assert.equal(c?.text, prompt);
      assert.equal(r.usage?.completion_tokens, 0);
      const lp = c?.logprobs;
      assert.deepEqual(
        lp?.tokens,
        expected.tokens.map((t) => t.text),
      );
      assert.deepEqual(
        lp?.text_offset,
        expected.tokens.map((t) => t.start),
      );
      expected.positions.forEach((p, i) => {
        const got = lp?.token_logprobs?.[i];
        if (p === null) return assert.equal(got, null);
        assert.ok(Math.abs((got as number) - p.logprob) < 1e-9, `${got} vs ${p.logprob}`);
        const top = lp?.top_logprobs?.[i] as Record<string, number>;
        for (const a of p.top) assert.ok(Math.abs((top[a.text] as number) - Math.log(a.prob)) < 1e-9);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('streamed completion with echo and logprobs: prompt first, then generated tokens with offsets', async () => {
    const prompt = 'x = ';
    const stream = await openai.completions.create({
      model,
      prompt,
      max_tokens: 5,
      echo: true,
      logprobs: 2,
      stream: true,
      ...plainGreedy,
    });
    const parts: string[] = [];
    const offsets: number[] = [];
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (!c) continue;
      parts.push(c.text);
      offsets.push(...(c.logprobs?.text_offset ?? []));
    }
    assert.equal(parts[0], prompt);
    const text = parts.join('');
    assert.ok(text.length > prompt.length);
    assert.deepEqual(
      offsets,
      [...offsets].sort((a, b) => a - b),
      'offsets increase',
    );
    assert.ok(offsets.every((o) => o <= text.length));
  });

  test('errors come in OpenAI shape as the client’s own error classes', async () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    await assert.rejects(openai.chat.completions.create({ model, messages, n: 2 }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.equal(e.code, 'bad-params');
      assert.equal(e.param, 'n');
      assert.equal(e.type, 'invalid_request_error');
      return true;
    });
    await assert.rejects(
      openai.chat.completions.create({ model, messages, temperature: 7 }),
      OpenAI.BadRequestError,
    );
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4', messages }), OpenAI.NotFoundError);
    await assert.rejects(
      openai.completions.create({ model, prompt: 'word '.repeat(600), max_tokens: 4 }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError, String(e));
        assert.equal(e.code, 'context-length');
        assert.match(e.message, /maximum context length is 512 tokens/);
        return true;
      },
    );
    await assert.rejects(
      openai.completions.create({ model, prompt: 'x', max_tokens: 600 }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.code === 'context-length',
    );
  });

  test('tokenize and detokenize in vLLM and llama.cpp shapes', async () => {
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(r.status, 200);
      return (await r.json()) as Record<string, unknown>;
    };
    const vllm = await post('/tokenize', { model, prompt: 'hello world' });
    const plain = (await post('/tokenize', { content: 'hello world' })).tokens as number[];
    assert.deepEqual(vllm.tokens, [1, ...plain], 'vLLM adds special tokens by default, llama.cpp does not');
    assert.equal(vllm.count, plain.length + 1);
    assert.equal(vllm.max_model_len, 512);
    const pieces = (await post('/tokenize', { content: 'hello world', with_pieces: true })).tokens as {
      id: number;
      piece: string;
    }[];
    assert.equal(pieces.map((p) => p.piece).join(''), 'hello world');
    const chat = await post('/tokenize', { messages: [{ role: 'user', content: 'hi' }] });
    const r = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 1,
    });
    assert.equal(chat.count, r.usage?.prompt_tokens);
    const back = await post('/detokenize', { tokens: plain });
    assert.equal(back.prompt, 'hello world');
    assert.equal(back.content, 'hello world');
  });
});
