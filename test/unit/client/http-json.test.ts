// The remote HTTP client against a loopback stand-in: URLs, API key, deadlines, cancel, error bodies, SSE.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import { after, describe, it } from 'node:test';
import { HttpJson, serverRoot } from '../../../src/client/http-json';
import { SseParser, type SseEvent } from '../../../src/client/sse-reader';
import { fixture, standIn, type StandIn } from './standin';

const FAST = { quickMs: 300, firstByteMs: 300, idleMs: 300 };

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<Error> {
  const e = (await p.then(
    () => assert.fail('expected a failure'),
    (x: unknown) => x,
  )) as Error & { code: string };
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message, message);
  return e;
}

describe('SSE parser', () => {
  it('splits events on blank lines, joins multi-line data, skips comments, takes CRLF split across pieces', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    for (const piece of [
      ': ping\r',
      '\ndata: {"a":',
      '1}\r\n\r',
      '\ndata: line one\ndata:line two\n\nevent: x\ndata: y',
    ])
      parser.push(piece);
    parser.end();
    assert.deepEqual(events, [
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: 'line one\nline two' },
      { event: 'x', data: 'y' },
    ]);
  });

  it("reports llama.cpp's `error:` line as an error event", () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.push('error: {"code":500,"message":"boom"}\n\n');
    assert.deepEqual(events, [{ event: 'error', data: '{"code":500,"message":"boom"}' }]);
  });
});

describe('HttpJson', () => {
  const servers: StandIn[] = [];
  after(async () => Promise.all(servers.map((s) => s.close())));
  const serve = async (routes: Parameters<typeof standIn>[0]) => {
    const s = await standIn(routes);
    servers.push(s);
    return s;
  };

  it('joins paths to a base URL given with or without /v1 and sends the API key as a bearer token', async () => {
    assert.equal(serverRoot('http://h:8000/v1/'), 'http://h:8000');
    assert.equal(serverRoot('http://h:8000/proxy/v1'), 'http://h:8000/proxy');
    assert.equal(serverRoot('http://h:8000/'), 'http://h:8000');
    const s = await serve({ 'GET /v1/models': { json: fixture('vllm/models.json') } });
    const http = new HttpJson({ baseUrl: `${s.url}/v1`, apiKey: 'sk-test', timeouts: FAST });
    const answer = (await http.getJson('/v1/models')) as { data: { id: string }[] };
    assert.equal(answer.data[0]?.id, 'meta-llama/Llama-2-7b-chat-hf');
    assert.equal(s.requests[0]?.headers.authorization, 'Bearer sk-test');
  });

  it('refuses credentials in the address', () => {
    assert.throws(() => serverRoot('http://user:pw@h:1/'), { code: 'bad-params' });
  });

  it('a refused connection is server-unreachable', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const http = new HttpJson({ baseUrl: `http://127.0.0.1:${port}`, timeouts: FAST });
    await rejectsWith(http.getJson('/v1/models'), 'server-unreachable', /ECONNREFUSED/);
  });

  it('a server that never answers fails with timeout within the quick deadline', async () => {
    const s = await serve({ 'GET /v1/models': () => undefined });
    const http = new HttpJson({ baseUrl: s.url, timeouts: FAST });
    const t0 = Date.now();
    await rejectsWith(http.getJson('/v1/models'), 'timeout', /no answer within 0\.3 s/);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
  });

  it('a stream that stalls fails with timeout after the idle deadline', async () => {
    const s = await serve({
      'POST /v1/completions': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"text":"a"}]}\n\n');
      },
    });
    const http = new HttpJson({ baseUrl: s.url, timeouts: { ...FAST, idleMs: 200 } });
    const events: unknown[] = [];
    await rejectsWith(
      http.postStream('/v1/completions', {}, (e) => void events.push(e)),
      'timeout',
      /stopped answering for 0\.2 s/,
    );
    assert.equal(events.length, 1);
  });

  it('garbage is bad-response: a body that is not JSON, an event that is not JSON, JSON instead of a stream', async () => {
    const s = await serve({
      'GET /v1/models': { json: '<html>hello</html>' },
      'POST /v1/completions': { sse: 'data: {"ok":1}\n\ndata: not json\n\n' },
      'POST /v1/chat/completions': { json: '{"id":"x","choices":[]}' },
    });
    const http = new HttpJson({ baseUrl: s.url, timeouts: FAST });
    await rejectsWith(http.getJson('/v1/models'), 'bad-response', /not JSON: "<html>hello<\/html>"/);
    await rejectsWith(
      http.postStream('/v1/completions', {}, () => undefined),
      'bad-response',
      /not JSON/,
    );
    await rejectsWith(
      http.postStream('/v1/chat/completions', {}, () => undefined),
      'bad-response',
      /instead of an event stream/,
    );
  });

  it('maps error statuses: 401 unauthorized, 429 queue-full with Retry-After, 500 server-error with the server words', async () => {
    const s = await serve({
      'GET /a': { status: 401, json: fixture('openai/error-401.json') },
      'GET /b': { status: 429, json: '{"error":{"message":"queue full"}}', headers: { 'retry-after': '7' } },
      'GET /c': { status: 500, json: fixture('openai/error-500.json') },
      'GET /d': { status: 500, json: fixture('llama.cpp/error-500.json') },
      'GET /e': { status: 404, json: fixture('ollama/error-404.json') },
      'GET /f': { status: 400, json: fixture('vllm/error-400.json') },
      'GET /g': {
        status: 400,
        json: '{"error":{"message":"bad topK","type":"invalid_request_error","param":null,"code":"bad-params"}}',
      },
    });
    const http = new HttpJson({ baseUrl: s.url, timeouts: FAST });
    await rejectsWith(http.getJson('/a'), 'unauthorized', /Incorrect API key provided/);
    await rejectsWith(http.getJson('/b'), 'queue-full', /retry after 7 s/);
    await rejectsWith(
      http.getJson('/c'),
      'server-error',
      /HTTP 500 .*The server had an error while processing/,
    );
    await rejectsWith(http.getJson('/d'), 'server-error', /exceeds the available context size/);
    await rejectsWith(http.getJson('/e'), 'server-error', /HTTP 404 .*model "nope" not found/);
    await rejectsWith(http.getJson('/f'), 'server-error', /maximum context length is 4096/);
    await rejectsWith(http.getJson('/g'), 'bad-params', /^bad topK$/);
  });

  it("an `error:` line in a stream (llama.cpp) is server-error with the server's message", async () => {
    const s = await serve({
      'POST /s': { sse: 'data: {"a":1}\n\nerror: {"code":500,"message":"slot died"}\n\n' },
    });
    const http = new HttpJson({ baseUrl: s.url, timeouts: FAST });
    await rejectsWith(
      http.postStream('/s', {}, () => undefined),
      'server-error',
      /slot died/,
    );
  });

  it('stops reading at [DONE] and resolves', async () => {
    const s = await serve({ 'POST /s': { sse: 'data: {"n":1}\n\ndata: [DONE]\n\ndata: {"n":2}\n\n' } });
    const http = new HttpJson({ baseUrl: s.url, timeouts: FAST });
    const seen: unknown[] = [];
    await http.postStream('/s', {}, (e) => void seen.push(e));
    assert.deepEqual(seen, [{ n: 1 }]);
  });

  it('an abort rejects with cancelled and closes the request on the server', async () => {
    const s = await serve({
      'POST /s': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"n":1}\n\n');
      },
    });
    const http = new HttpJson({ baseUrl: s.url, timeouts: { ...FAST, idleMs: 5000 } });
    const controller = new AbortController();
    const p = http.postStream('/s', {}, () => void controller.abort(), { signal: controller.signal });
    await rejectsWith(p, 'cancelled', /was cancelled/);
    await Promise.race([
      s.closed[0],
      new Promise((_, reject) => setTimeout(() => reject(new Error('the socket stayed open')), 2000)),
    ]);
  });
});
