// connectRemote and the backends against stand-ins replaying each server kind's documented answers.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import type { GenerateChunk, InspectResult } from '../../../src/protocol/engine-methods';
import { connectRemote } from '../../../src/client/remote-backend';
import { toWireJson } from '../../../src/client/wire-json';
import { fixture, standIn, type Route, type StandIn } from './standin';

const FAST = { quickMs: 1000, firstByteMs: 1000, idleMs: 1000 };
const servers: StandIn[] = [];
after(async () => Promise.all(servers.map((s) => s.close())));
async function serve(routes: Record<string, Route>): Promise<StandIn> {
  const s = await standIn(routes);
  servers.push(s);
  return s;
}
const json = (path: string): Route => ({ json: fixture(path) });

const VLLM: Record<string, Route> = {
  'GET /v1/models': json('vllm/models.json'),
  'GET /version': json('vllm/version.json'),
};
const LLAMA: Record<string, Route> = {
  'GET /v1/models': json('llama.cpp/models.json'),
  'GET /props': json('llama.cpp/props.json'),
};
const OLLAMA: Record<string, Route> = {
  'GET /v1/models': json('ollama/models.json'),
  'GET /api/version': json('ollama/api-version.json'),
};
const LMSTUDIO: Record<string, Route> = {
  'GET /v1/models': json('lmstudio/models.json'),
  'GET /api/v0/models': json('lmstudio/api-v0-models.json'),
};

describe('connectRemote', () => {
  it('tells each kind and reads its context length', async () => {
    const cases: [Record<string, Route>, string, string, number][] = [
      [VLLM, 'vllm', 'meta-llama/Llama-2-7b-chat-hf', 4096],
      [LLAMA, 'llama.cpp', 'models/qwen2.5-0.5b-instruct-q4_k_m.gguf', 8192],
      [OLLAMA, 'ollama', 'llama3.2:latest', 0],
      [LMSTUDIO, 'lmstudio', 'qwen2-vl-7b-instruct', 32768],
      [{ 'GET /v1/models': json('openai/models.json') }, 'openai', 'gpt2-legacy', 0],
    ];
    for (const [routes, kind, model, contextLength] of cases) {
      const s = await serve(routes);
      const { info, backend } = await connectRemote({ baseUrl: `${s.url}/v1/`, timeouts: FAST });
      assert.equal(info.remote?.kind, kind);
      assert.equal(info.name, model);
      assert.equal(info.contextLength, contextLength, kind);
      assert.equal(info.remote?.baseUrl, s.url);
      assert.equal(info.remote?.views.attention.available, false);
      backend.dispose();
    }
  });

  it('uses the model asked for, and names the served ones when it is not served', async () => {
    const s = await serve(LMSTUDIO);
    const { info } = await connectRemote({
      baseUrl: s.url,
      model: 'meta-llama-3.1-8b-instruct',
      timeouts: FAST,
    });
    assert.equal(info.contextLength, 131072);
    await assert.rejects(connectRemote({ baseUrl: s.url, model: 'gpt-9', timeouts: FAST }), {
      code: 'no-model',
      message:
        /does not serve the model "gpt-9"; it serves: "qwen2-vl-7b-instruct", "meta-llama-3.1-8b-instruct"/,
    });
  });

  it('a garbage /v1/models is bad-response', async () => {
    const s = await serve({ 'GET /v1/models': { json: '{"models":"none"}' } });
    await assert.rejects(connectRemote({ baseUrl: s.url, timeouts: FAST }), {
      code: 'bad-response',
      message: /"data" is missing/,
    });
  });

  it('per-kind views: llama.cpp has tokens but no prediction, Ollama neither, with reasons naming the server', async () => {
    const s = await serve(LLAMA);
    const { info } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    assert.deepEqual(info.remote?.views.tokens, { available: true });
    assert.match(
      (info.remote?.views.prediction as { reason: string }).reason,
      /llama\.cpp's server returns probabilities only for tokens it generates/,
    );
    const o = await serve(OLLAMA);
    const ollama = await connectRemote({ baseUrl: o.url, timeouts: FAST });
    assert.match(
      (ollama.info.remote?.views.tokens as { reason: string }).reason,
      /Ollama's API has no tokenizer/,
    );
    await assert.rejects(ollama.backend.request('inspect/run', { text: 'hi' }), {
      code: 'unsupported',
      message: /Ollama/,
    });
    await assert.rejects(ollama.backend.request('model/countTokens', { prompt: 'hi' }), {
      code: 'unsupported',
    });
    await assert.rejects(ollama.backend.request('inspect/lens', { handle: 'h', position: 0 }), {
      code: 'unsupported',
      message: /logit lens/,
    });
  });
});

describe('OpenAIBackend', () => {
  it('vLLM: generate streams the prompt length, text, then a summary (stop string, usage) with the mapped sampling', async () => {
    const s = await serve({
      ...VLLM,
      'POST /tokenize': json('vllm/tokenize-chat.json'),
      'POST /v1/chat/completions': { sse: fixture('vllm/chat-stream.sse') },
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    const chunks: GenerateChunk[] = [];
    await backend.stream(
      'model/generate',
      {
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.7,
        topP: 0.9,
        topK: 40,
        repetitionPenalty: 1.1,
        seed: 3,
        maxNewTokens: 64,
        stopStrings: ['\n\n'],
      },
      (c) => chunks.push(c),
    );
    assert.deepEqual(chunks[0], { kind: 'prompt', tokens: 28, contextLength: 4096 });
    assert.deepEqual(
      chunks.filter((c) => c.kind === 'text').map((c) => c.text),
      ['Hi', ' there'],
    );
    const last = chunks.at(-1);
    assert.equal(last?.kind, 'summary');
    if (last?.kind === 'summary') {
      assert.equal(last.summary.text, 'Hi there');
      assert.equal(last.summary.stopReason, 'stop-string');
    }
    const sent = s.requests.find((r) => r.path === '/v1/chat/completions')?.body as Record<string, unknown>;
    assert.deepEqual(
      { ...sent, messages: undefined },
      {
        model: 'meta-llama/Llama-2-7b-chat-hf',
        messages: undefined,
        temperature: 0.7,
        top_p: 0.9,
        seed: 3,
        max_tokens: 64,
        stop: ['\n\n'],
        top_k: 40,
        repetition_penalty: 1.1,
        stream: true,
        stream_options: { include_usage: true },
      },
    );
  });

  it('llama.cpp: counts the prompt through /apply-template and /tokenize; finish_reason length is max-tokens', async () => {
    const s = await serve({
      ...LLAMA,
      'POST /apply-template': json('llama.cpp/apply-template.json'),
      'POST /tokenize': json('llama.cpp/tokenize-chat.json'),
      'POST /v1/chat/completions': { sse: fixture('llama.cpp/chat-stream.sse') },
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    const chunks: GenerateChunk[] = [];
    await backend.stream(
      'model/generate',
      { messages: [{ role: 'user', content: 'Hi' }], greedy: true },
      (c) => chunks.push(c),
    );
    assert.deepEqual(chunks[0], { kind: 'prompt', tokens: 9, contextLength: 8192 });
    const last = chunks.at(-1);
    assert.ok(
      last?.kind === 'summary' &&
        last.summary.stopReason === 'max-tokens' &&
        last.summary.text === 'Once upon',
    );
    const tokenize = s.requests.find((r) => r.path === '/tokenize')?.body;
    assert.deepEqual(tokenize, {
      content: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
      add_special: true,
      with_pieces: false,
    });
    assert.equal(
      (s.requests.find((r) => r.path === '/v1/chat/completions')?.body as { temperature: number })
        .temperature,
      0,
    );
  });

  it('Ollama: generate works without a prompt chunk (no tokenizer); finish_reason stop is eos', async () => {
    const s = await serve({
      ...OLLAMA,
      'POST /v1/chat/completions': { sse: fixture('ollama/chat-stream.sse') },
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    const chunks: GenerateChunk[] = [];
    await backend.stream('model/generate', { messages: [{ role: 'user', content: 'Hi' }] }, (c) =>
      chunks.push(c),
    );
    assert.deepEqual(
      chunks.map((c) => c.kind),
      ['text', 'text', 'summary'],
    );
    const last = chunks.at(-1);
    assert.ok(
      last?.kind === 'summary' && last.summary.stopReason === 'eos' && last.summary.text === 'Hello!',
    );
  });

  it('vLLM: inspect/run reads prompt_logprobs: BOS apart, offsets, log-probs, ranks, top-k, unknown entropy', async () => {
    const s = await serve({
      ...VLLM,
      'POST /tokenize': json('vllm/tokenize-hello-world.json'),
      'POST /detokenize': json('vllm/detokenize-bos.json'),
      'POST /v1/completions': json('vllm/completions-prompt-logprobs.json'),
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    const r: InspectResult = await backend.request('inspect/run', { text: 'Hello world', topK: 2 });
    assert.deepEqual(r.bos, { id: 1, text: '<s>' });
    assert.deepEqual(
      r.tokens.map((t) => [t.id, t.text, t.start, t.end, [...t.bytes].length]),
      [
        [15043, 'Hello', 0, 5, 5],
        [3186, ' world', 5, 11, 6],
      ],
    );
    const [p0, p1] = r.positions;
    assert.equal(p0?.logprob, -9.125);
    assert.equal(p0?.rank, 42);
    assert.ok(Number.isNaN(p0?.entropy));
    assert.deepEqual(
      p0?.top.map((a) => [a.id, a.text]),
      [
        [1576, 'The'],
        [306, 'I'],
      ],
    );
    assert.ok(Math.abs((p0?.top[0]?.prob ?? 0) - Math.exp(-2.0625)) < 1e-12);
    assert.equal(p1?.rank, 1);
    assert.equal(r.attention.available, false);
    const sent = s.requests.find((q) => q.path === '/v1/completions')?.body as Record<string, unknown>;
    assert.deepEqual(sent.prompt, [1, 15043, 3186]);
    assert.equal(sent.prompt_logprobs, 2);
    await backend.request('inspect/release', { handle: r.handle });
  });

  it('llama.cpp: inspect/run gives tokens from /tokenize pieces (bytes of a split character) and no predictions', async () => {
    const s = await serve({ ...LLAMA, 'POST /tokenize': json('llama.cpp/tokenize-pieces.json') });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    const r = await backend.request('inspect/run', { text: 'a 🙂' });
    assert.deepEqual(r.bos, { id: 1, text: '<s>' });
    assert.deepEqual(
      r.tokens.map((t) => [t.id, t.text, t.start, t.end]),
      [
        [263, ' a', 0, 1],
        [29871, ' ', 1, 2],
        [243, '<0xF0><0x9F>', 2, 4],
        [156, '<0x99><0x82>', 2, 4],
      ],
    );
    assert.deepEqual([...(r.tokens[2]?.bytes ?? [])], [240, 159]);
    assert.deepEqual(r.positions, [null, null, null, null]);
  });

  it('a generic server: inspect/run reads the legacy echo logprobs shape (rank from the listed alternatives)', async () => {
    const s = await serve({
      'GET /v1/models': json('openai/models.json'),
      'POST /v1/completions': json('openai/echo-completions.json'),
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    const r = await backend.request('inspect/run', { text: 'Hello world' });
    assert.deepEqual(
      r.tokens.map((t) => [t.text, t.start, t.end]),
      [
        ['Hello', 0, 5],
        [' world', 5, 11],
      ],
    );
    assert.equal(r.positions[0], null);
    assert.equal(r.positions[1]?.logprob, -1.5);
    assert.equal(r.positions[1]?.rank, 2);
    assert.equal(r.positions[1]?.top[1]?.id, r.tokens[1]?.id);
    const sent = s.requests.find((q) => q.path === '/v1/completions')?.body as Record<string, unknown>;
    assert.equal(sent.echo, true);
    assert.equal(sent.max_tokens, 0);
  });

  it('Stop closes the generation request on the server and rejects cancelled', async () => {
    const s = await serve({
      ...OLLAMA,
      'POST /v1/completions': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(
          'data: {"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"Hi","finish_reason":null}]}\n\n',
        );
      },
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: { ...FAST, idleMs: 5000 } });
    const controller = new AbortController();
    const p = backend.stream('model/generate', { prompt: 'x' }, () => controller.abort(), {
      signal: controller.signal,
    });
    await assert.rejects(p, { code: 'cancelled' });
    const gen = s.requests.findIndex((r) => r.path === '/v1/completions');
    assert.ok(gen >= 0);
    await Promise.race([
      s.closed[gen],
      new Promise((_, no) => setTimeout(() => no(new Error('still open')), 2000)),
    ]);
  });
});

describe('RemoteGlassbox', () => {
  const model = {
    name: 'glassbox-tiny',
    contextLength: 512,
    layers: 2,
    executionProvider: { requested: 'auto', used: 'cpu', fallbacks: [], available: [] },
  };
  const info = { server: 'glassbox', version: '0.1.0', model, methods: ['model/info', 'model/generate'] };

  it('is chosen by /glassbox/v1/info; calls methods with wire JSON and streams chunks until done', async () => {
    const s = await serve({
      'GET /glassbox/v1/info': { json: JSON.stringify(info) },
      'POST /glassbox/v1/model/info': { json: JSON.stringify({ result: model }) },
      'POST /glassbox/v1/model/tokenize': { json: toWireJson({ result: { ids: new Int32Array([5, 6]) } }) },
      'POST /glassbox/v1/model/generate': {
        sse:
          'data: {"chunk":{"kind":"prompt","tokens":3,"contextLength":512}}\n\n' +
          'data: {"chunk":{"kind":"text","text":"ok","tokens":[7]}}\n\ndata: {"done":true}\n\n',
      },
    });
    const { backend, info: got } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    assert.equal(got.name, 'glassbox-tiny');
    assert.equal(got.remote?.kind, 'glassbox');
    assert.equal(got.remote?.views.attention.available, true);
    const again = await backend.request('model/info', undefined);
    assert.equal(again?.remote?.kind, 'glassbox');
    const chunks: GenerateChunk[] = [];
    await backend.stream('model/generate', { prompt: 'x' }, (c) => chunks.push(c));
    assert.deepEqual(chunks, [
      { kind: 'prompt', tokens: 3, contextLength: 512 },
      { kind: 'text', text: 'ok', tokens: [7] },
    ]);
    // typed arrays come back as typed arrays (wire JSON)
    const tokenized = (await backend.request('model/tokenize', { text: 'x' })) as unknown as {
      ids: Int32Array;
    };
    assert.deepEqual(tokenized.ids, new Int32Array([5, 6]));
    await assert.rejects(backend.request('model/load', { dir: '/x' }), {
      code: 'unsupported',
      message: /glassbox serve --model/,
    });
  });

  it('a stream error item keeps its Glassbox code', async () => {
    const s = await serve({
      'GET /glassbox/v1/info': { json: JSON.stringify(info) },
      'POST /glassbox/v1/model/score': {
        sse: 'data: {"error":{"code":"context-length","message":"too long"}}\n\n',
      },
    });
    const { backend } = await connectRemote({ baseUrl: s.url, timeouts: FAST });
    await assert.rejects(
      backend.stream('model/score', { text: 'x' }, () => undefined),
      {
        code: 'context-length',
        message: 'too long',
      },
    );
  });
});
