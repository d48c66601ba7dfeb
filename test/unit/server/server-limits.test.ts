// glassbox serve's guards: loopback-only without a key, the API key, the body limit, 429 with Retry-After, cancel on disconnect.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { glassbox } from '../../support/cli';
import { serve, type Served } from '../../support/serve-process';

const key = 'test-key-0123456789';
let server: Served;
let openai: OpenAI;
const model = 'glassbox-tiny';
before(async () => {
  server = await serve(['--api-key', key, '--max-queue', '1']);
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 });
});
after(() => server.stop());

const auth = { authorization: `Bearer ${key}` };
/** A long seeded completion (no EOS within it for this seed), streamed. */
const long = {
  model,
  prompt: 'function main() {\n',
  max_tokens: 400,
  temperature: 1,
  seed: 11,
  repetition_penalty: 1,
};

/** Starts the long completion as a stream and resolves once its first event arrived; `close` drops the connection. */
function startStream(): Promise<{ close: () => void }> {
  const u = new URL(`${server.url}/v1/completions`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
      },
      (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => resolve({ close: () => req.destroy() }));
      },
    );
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end(JSON.stringify({ ...long, stream: true }));
  });
}

describe('glassbox serve: limits', () => {
  test('a non-loopback --host without --api-key is refused (exit 2)', () => {
    const r = glassbox(['serve', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without --api-key/);
  });

  test('the API key: /health is open, every other route needs it', async () => {
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const none = await fetch(`${server.url}/v1/models`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const info = await fetch(`${server.url}/glassbox/v1/info`);
    assert.equal(info.status, 401);
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: `${key}x`, maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e: unknown) => {
      assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
      assert.equal(e.code, 'unauthorized');
      assert.equal(e.type, 'authentication_error');
      return true;
    });
    assert.equal((await openai.models.list()).data[0]?.id, model);
  });

  test('a body over 4 MiB is 413; a body that is not JSON is 400; an unknown route 404', async () => {
    const big = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ model, prompt: 'x'.repeat(5 * 1024 * 1024) }),
    });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
    const bad = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: auth,
      body: '{"prompt":',
    });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${server.url}/v2/nothing`, { headers: auth })).status, 404);
  });

  test('a full queue answers 429 with Retry-After; a client that disconnects cancels its generation', async (t) => {
    // how long the long completion takes when nobody cancels it
    const t0 = performance.now();
    const full = await openai.completions.create(long as never);
    const fullMs = performance.now() - t0;
    assert.ok(
      (full.usage?.completion_tokens ?? 0) >= 300,
      `the seed gives a long answer (${full.usage?.completion_tokens})`,
    );

    const stream = await startStream();
    // --max-queue 1: the running stream holds the only place
    await assert.rejects(openai.completions.create({ model, prompt: 'x', max_tokens: 1 }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError, String(e));
      assert.equal(e.code, 'queue-full');
      assert.equal(e.headers?.get('retry-after'), '1');
      return true;
    });
    // the place comes back only when the engine has stopped: a quick request is served long before the full run's time
    const t1 = performance.now();
    stream.close();
    let served = false;
    while (!served && performance.now() - t1 < fullMs) {
      const r = await fetch(`${server.url}/v1/completions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ model, prompt: 'x', max_tokens: 1 }),
      });
      await r.text();
      served = r.status === 200;
      if (!served) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const waitedMs = performance.now() - t1;
    t.diagnostic(`full run ${fullMs.toFixed(0)} ms; served ${waitedMs.toFixed(0)} ms after the disconnect`);
    assert.ok(served, 'served before the full run would have ended');
    assert.ok(
      waitedMs < fullMs / 2,
      `served after ${waitedMs.toFixed(0)} ms; the full run takes ${fullMs.toFixed(0)} ms`,
    );
  });
});
