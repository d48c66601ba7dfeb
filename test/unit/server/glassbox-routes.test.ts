// glassbox serve's /glassbox/v1/ routes: info, inspect/run and inspect/attention against the CLI, step-through, a stream.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromWireJson, toWireJson } from '../../../src/client/wire-json';
import type { AttentionMatrix, GenerateChunk, InspectResult } from '../../../src/protocol/engine-methods';
import {
  REMOTE_ENGINE_METHODS,
  type ServerInfo,
  type ServerStreamItem,
} from '../../../src/protocol/server-api';
import { glassbox } from '../../support/cli';
import { serve, sseData, type Served } from '../../support/serve-process';

let server: Served;
before(async () => (server = await serve()));
after(() => server.stop());

async function call(method: string, params: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${server.url}/glassbox/v1/${method}`, { method: 'POST', body: toWireJson(params) });
  return { status: r.status, body: fromWireJson(await r.text()) };
}

async function result<T>(method: string, params: unknown): Promise<T> {
  const r = await call(method, params);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body as { result: T }).result;
}

describe('glassbox serve: /glassbox/v1/', () => {
  test('GET info names the server, its model and the methods', async () => {
    const info = fromWireJson(await (await fetch(`${server.url}/glassbox/v1/info`)).text()) as ServerInfo;
    assert.equal(info.server, 'glassbox');
    assert.equal(info.model.name, 'glassbox-tiny');
    assert.deepEqual(info.methods, [...REMOTE_ENGINE_METHODS]);
    assert.ok(!info.methods.includes('model/load' as never));
  });

  test('inspect/run and inspect/attention decode to the numbers of `glassbox inspect --json`', async () => {
    const text = 'const total = items.reduce((a, b) => a + b, 0);\n';
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-serve-'));
    let expected: {
      tokens: { id: number; start: number; end: number }[];
      positions: ({ logprob: number; rank: number } | null)[];
      attention: number[][];
    };
    try {
      writeFileSync(join(dir, 't.txt'), text);
      const cli = glassbox([
        'inspect',
        '--json',
        '--ep',
        'cpu',
        '--attention',
        '2:1',
        '--file',
        join(dir, 't.txt'),
      ]);
      assert.equal(cli.code, 0, cli.stderr);
      expected = JSON.parse(cli.stdout) as typeof expected;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = await result<InspectResult>('inspect/run', { text });
    assert.ok(r.tokens[0]?.bytes instanceof Uint8Array, 'typed arrays arrive as typed arrays');
    assert.deepEqual(
      r.tokens.map((t) => [t.id, t.start, t.end]),
      expected.tokens.map((t) => [t.id, t.start, t.end]),
    );
    r.positions.forEach((p, i) => {
      const e = expected.positions[i];
      assert.equal(p?.rank, e?.rank);
      assert.ok(Math.abs((p?.logprob ?? 0) - (e?.logprob ?? 0)) < 1e-9);
    });
    const a = await result<AttentionMatrix>('inspect/attention', { handle: r.handle, layer: 2, head: 1 });
    assert.ok(a.data instanceof Float32Array);
    assert.equal(a.size, expected.attention.length);
    assert.deepEqual([...a.data], expected.attention.flat().map(Math.fround));
    assert.equal(await result('inspect/release', { handle: r.handle }), null);
    const gone = await call('inspect/attention', { handle: r.handle, layer: 2, head: 1 });
    assert.equal(gone.status, 404);
    assert.equal((gone.body as { error: { code: string } }).error.code, 'inspection-gone');
  });

  test('step/start then step/append: the appended token has the probability step/start gave it', async () => {
    const start = await result<{ handle: string; next: { top: { id: number; prob: number }[] } }>(
      'step/start',
      {
        prompt: 'for (let i = 0; ',
        topK: 3,
      },
    );
    const best = start.next.top[0];
    assert.ok(best);
    const step = await result<{ appended: { id: number; prob: number; rank: number } }>('step/append', {
      handle: start.handle,
      id: best.id,
    });
    assert.equal(step.appended.id, best.id);
    assert.equal(step.appended.rank, 1);
    assert.ok(Math.abs(step.appended.prob - best.prob) < 1e-9);
    await result('step/release', { handle: start.handle });
  });

  test('a streamed model/generate: prompt, text, summary, then done', async () => {
    const r = await fetch(`${server.url}/glassbox/v1/model/generate`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'let x = ', greedy: true, maxNewTokens: 6, logprobs: 2 }),
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const items = sseData(await r.text()).map((d) => fromWireJson(d) as ServerStreamItem<GenerateChunk>);
    assert.deepEqual(items.at(-1), { done: true });
    const chunks = items.flatMap((i) => ('chunk' in i ? [i.chunk] : []));
    assert.equal(chunks[0]?.kind, 'prompt');
    const summary = chunks.find((c) => c.kind === 'summary');
    assert.ok(summary?.kind === 'summary');
    const text = chunks.flatMap((c) => (c.kind === 'text' ? [c] : []));
    assert.equal(text.map((c) => c.text).join(''), summary.summary.text);
    const lps = text.flatMap((c) => c.logprobs ?? []);
    assert.deepEqual(
      lps.map((l) => l.id),
      summary.summary.tokens,
    );
    assert.ok(lps.every((l) => l.bytes instanceof Uint8Array && l.top.length === 2));
  });

  test('errors: bad params 400, model/load and unknown methods 404, wrong HTTP method 405', async () => {
    const bad = await call('model/generate', { prompt: 'x', maxNewTokens: -1 });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys((bad.body as { error: object }).error).sort(), [
      'code',
      'message',
      'param',
      'type',
    ]);
    assert.equal((bad.body as { error: { code: string } }).error.code, 'bad-params');
    assert.equal((await call('model/load', { dir: '/' })).status, 404);
    assert.equal((await call('model/explode', {})).status, 404);
    const get = await fetch(`${server.url}/glassbox/v1/inspect/run`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });
});
