// The engine in its child process (dist/engine.js): typed calls, streamed generation, cancel, typed arrays, crash recovery.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineCallError, EngineClient } from '../../../src/client/engine-client';
import type {
  EngineParams,
  GenerateChunk,
  GenerateSummary,
  ScoreChunk,
} from '../../../src/protocol/engine-methods';
import { bundledModel, fixturesDir, repoRoot } from '../../support/model-folder';

const enginePath = join(repoRoot, 'dist', 'engine.js');
let client: EngineClient;
const exits: (NodeJS.Signals | null)[] = [];

before(() => {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run npm run build first`);
  client = new EngineClient({ enginePath, onExit: (e) => exits.push(e.signal) });
});
after(() => client.dispose());

async function generateVia(params: EngineParams<'model/generate'>, signal?: AbortSignal) {
  const chunks: GenerateChunk[] = [];
  await client.stream('model/generate', params, (c) => chunks.push(c), signal ? { signal } : {});
  const summary = chunks.find((c) => c.kind === 'summary')?.summary as GenerateSummary;
  const texts = chunks.flatMap((c) => (c.kind === 'text' ? [c] : []));
  return { summary, texts, first: chunks[0] };
}

describe('engine process', () => {
  test('model/load and model/info describe the model and its provider', async () => {
    const info = await client.request('model/load', { dir: bundledModel, ep: 'cpu', threads: 1 });
    assert.equal(info.name, 'glassbox-tiny');
    assert.equal(info.contextLength, 512);
    assert.equal(info.executionProvider.used, 'cpu');
    assert.ok(info.executionProvider.available.some((p) => p.name === 'webgpu'));
    assert.deepEqual(await client.request('model/info', undefined), info);
  });

  test('model/generate streams text chunks that add up to the summary text', async () => {
    const { summary, texts, first } = await generateVia({
      prompt: 'function add(a, b) {\n',
      greedy: true,
      maxNewTokens: 20,
    });
    // the prompt's length comes first, before any text, and agrees with the summary
    assert.deepEqual(first, { kind: 'prompt', tokens: summary.promptTokens.length, contextLength: 512 });
    assert.equal(texts.map((t) => t.text).join(''), summary.text);
    assert.deepEqual(
      texts.flatMap((t) => t.tokens),
      summary.tokens.filter((_, i) => i < texts.flatMap((t) => t.tokens).length),
    );
    assert.equal(summary.executionProvider, 'cpu');
    assert.ok(summary.promptTokens[0] === 1 && summary.tokens.length > 0);
  });

  test('chat messages are rendered with the template', async () => {
    const { summary } = await generateVia({
      messages: [{ role: 'user', content: 'hi' }],
      greedy: true,
      maxNewTokens: 4,
    });
    assert.deepEqual(summary.promptTokens.slice(0, 2), [1, 2]);
  });

  test('model/countTokens counts what model/generate is fed, for messages and for a plain prompt', async () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What does `reduce` do? 🙂' },
    ];
    const chat = await generateVia({ messages, greedy: true, maxNewTokens: 1 });
    const counted = await client.request('model/countTokens', { messages });
    assert.deepEqual(counted, { tokens: chat.summary.promptTokens.length, contextLength: 512 });
    const plain = await generateVia({ prompt: 'let x = 1;', greedy: true, maxNewTokens: 1 });
    assert.equal(
      (await client.request('model/countTokens', { prompt: 'let x = 1;' })).tokens,
      plain.summary.promptTokens.length,
    );
    await assert.rejects(
      client.request('model/countTokens', { messages: [{ role: 'user' }] } as never),
      (e: unknown) => e instanceof EngineCallError && e.code === 'bad-params',
    );
  });

  test('model/score streams progress, then a summary with typed arrays (structured clone, not JSON lists)', async () => {
    const chunks: ScoreChunk[] = [];
    await client.stream('model/score', { text: 'let x = 1;\n'.repeat(60), stride: 100 }, (c) =>
      chunks.push(c),
    );
    const progress = chunks.flatMap((c) => (c.kind === 'progress' ? [c] : []));
    assert.ok(progress.length >= 2, `${progress.length} progress items`);
    assert.ok(progress.every((p, i) => i === 0 || p.scored >= (progress[i - 1] as typeof p).scored));
    assert.equal(progress.at(-1)?.scored, progress.at(-1)?.total);
    const last = chunks.at(-1);
    assert.equal(last?.kind, 'summary');
    const r = (last as Extract<ScoreChunk, { kind: 'summary' }>).summary;
    assert.ok(r.logprobs instanceof Float64Array);
    assert.ok(r.ids instanceof Int32Array);
    assert.equal(r.ids.length, progress.at(-1)?.total);
    assert.ok(r.bitsPerByte > 0);
  });

  // generate.test.ts proves the one-step bound in-process; here the tokens made while the cancel crosses IPC add slack.
  test('an AbortSignal crosses the process boundary and stops generation', async () => {
    const controller = new AbortController();
    const chunks: GenerateChunk[] = [];
    let steps = 0;
    await client.stream(
      'model/generate',
      { prompt: 'import os\n', greedy: true, maxNewTokens: 200 },
      (c) => {
        chunks.push(c);
        if (c.kind === 'text' && c.tokens.length > 0 && ++steps === 3) controller.abort();
      },
      { signal: controller.signal },
    );
    const summary = chunks.find((c) => c.kind === 'summary')?.summary as GenerateSummary;
    assert.equal(summary.stopReason, 'cancelled');
    assert.ok(summary.tokens.length >= 3 && summary.tokens.length <= 12, `${summary.tokens.length} tokens`);
  });

  test('errors carry the engine code; a failed load keeps the previous model', async () => {
    await assert.rejects(client.request('model/load', { dir: join(fixturesDir, 'nope') }), (e: unknown) => {
      assert.ok(e instanceof EngineCallError);
      assert.equal(e.code, 'missing-file');
      return true;
    });
    // the failed load left the previous model in place
    assert.equal((await client.request('model/info', undefined))?.name, 'glassbox-tiny');
  });

  test('the engine process checks params at its boundary: NaN, a string for a list and 10,000 threads are refused', async () => {
    for (const [params, says] of [
      [{ prompt: 'x', maxNewTokens: NaN }, /maxNewTokens must be a whole number/],
      [{ prompt: 'x', stopStrings: 'END' as unknown as string[] }, /stopStrings must be a list/],
    ] as const) {
      await assert.rejects(
        client.stream('model/generate', params, () => undefined),
        (e: unknown) => {
          assert.ok(e instanceof EngineCallError);
          assert.equal(e.code, 'bad-params');
          assert.match(e.message, says);
          return true;
        },
      );
    }
    const t0 = performance.now();
    await assert.rejects(
      client.request('model/load', { dir: bundledModel, threads: 10_000 }),
      /threads must be/,
    );
    assert.ok(performance.now() - t0 < 5000, 'refused at once, not after starting 10,000 threads');
    assert.equal((await client.request('model/info', undefined))?.name, 'glassbox-tiny');
  });

  test('killing the engine mid-generation fails the call clearly; the next call restarts it with the model', async () => {
    const pid = client.pid as number;
    let killed = false;
    const run = client.stream('model/generate', { prompt: 'x', greedy: true, maxNewTokens: 400 }, () => {
      if (!killed) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    });
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof EngineCallError);
      assert.equal(e.code, 'engine-exited');
      assert.match(e.message, /model\/generate: the engine process was killed \(SIGKILL\)/);
      return true;
    });
    assert.deepEqual(exits, ['SIGKILL']);
    const { summary } = await generateVia({
      prompt: 'function add(a, b) {\n',
      greedy: true,
      maxNewTokens: 5,
    });
    assert.equal(summary.tokens.length > 0, true);
    assert.notEqual(client.pid, pid);
    assert.equal((await client.request('model/info', undefined))?.name, 'glassbox-tiny');
  });
});
