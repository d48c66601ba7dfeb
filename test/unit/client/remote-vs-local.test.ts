// The extension's remote backend on a real `glassbox serve` answers as the local engine process does (same numbers).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineBackend } from '../../../src/client/engine-backend';
import { EngineCallError, EngineClient } from '../../../src/client/engine-client';
import { connectRemote } from '../../../src/client/remote-backend';
import type { GenerateChunk, GenerateParams, ModelInfo } from '../../../src/protocol/engine-methods';
import { bundledModel, repoRoot } from '../../support/model-folder';
import { serve, type Served } from '../../support/serve-process';

const enginePath = join(repoRoot, 'dist', 'engine.js');
const cacheDir = mkdtempSync(join(tmpdir(), 'glassbox-remote-vs-local-'));
let server: Served;
let local: EngineClient;
let remote: EngineBackend;
let info: ModelInfo;

before(async () => {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run npm run build first`);
  server = await serve();
  local = new EngineClient({ enginePath, env: { ...process.env, GLASSBOX_CACHE_DIR: cacheDir } });
  await local.request('model/load', { dir: bundledModel, ep: 'cpu' });
  ({ backend: remote, info } = await connectRemote({ baseUrl: server.url }));
});
after(async () => {
  remote?.dispose();
  local?.dispose();
  await server?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

const CODE = 'def mean(xs):\n    return sum(xs) / len(xs)\n';

async function generate(backend: EngineBackend, params: GenerateParams): Promise<GenerateChunk[]> {
  const chunks: GenerateChunk[] = [];
  await backend.stream('model/generate', params, (c) => chunks.push(c));
  return chunks;
}

describe('RemoteGlassbox on glassbox serve against the local engine process', () => {
  test('connectRemote finds a Glassbox server serving the bundled model, every view available', () => {
    assert.equal(info.remote?.kind, 'glassbox');
    assert.equal(info.name, 'glassbox-tiny');
    assert.ok(Object.values(info.remote?.views ?? {}).every((v) => v.available));
  });

  test('a greedy chat answer: the same prompt length, text and token ids', async () => {
    const params: GenerateParams = {
      messages: [{ role: 'user', content: `Explain:\n${CODE}` }],
      greedy: true,
      maxNewTokens: 40,
    };
    const [here, there] = [await generate(local, params), await generate(remote, params)];
    const summary = (cs: GenerateChunk[]) => cs.find((c) => c.kind === 'summary')?.summary;
    assert.deepEqual(there[0], here[0], 'the prompt chunk');
    assert.equal(summary(there)?.text, summary(here)?.text);
    assert.deepEqual(summary(there)?.tokens, summary(here)?.tokens);
    assert.ok((summary(here)?.tokens.length ?? 0) > 0);
  });

  test('inspect/run, attention, lens and neighbours: the same numbers', async () => {
    const [a, b] = [
      await local.request('inspect/run', { text: CODE, topK: 5 }),
      await remote.request('inspect/run', { text: CODE, topK: 5 }),
    ];
    const { handle: _a, timings: _ta, ...here } = a;
    const { handle: _b, timings: _tb, ...there } = b;
    assert.deepEqual(there, here);
    const head = { layer: 1, head: 0 } as const;
    const [ma, mb] = [
      await local.request('inspect/attention', { handle: a.handle, ...head }),
      await remote.request('inspect/attention', { handle: b.handle, ...head }),
    ];
    assert.ok(mb.data instanceof Float32Array);
    assert.deepEqual(mb, ma);
    assert.deepEqual(
      await remote.request('inspect/lens', { handle: b.handle, position: 3 }),
      await local.request('inspect/lens', { handle: a.handle, position: 3 }),
    );
    const id = a.tokens[2]?.id ?? 0;
    assert.deepEqual(
      await remote.request('inspect/neighbours', { id, topK: 5 }),
      await local.request('inspect/neighbours', { id, topK: 5 }),
    );
  });

  test('the step-through: the same distributions before and after appending a token', async () => {
    const prompt = { prompt: CODE, topK: 5 };
    const [a, b] = [await local.request('step/start', prompt), await remote.request('step/start', prompt)];
    assert.deepEqual({ ...b, handle: '' }, { ...a, handle: '' });
    const id = a.next.top[1]?.id ?? 0;
    assert.deepEqual(
      await remote.request('step/append', { handle: b.handle, id }),
      await local.request('step/append', { handle: a.handle, id }),
    );
  });

  test('Stop: aborting a streamed answer rejects with cancelled, and the server answers the next request', async () => {
    const controller = new AbortController();
    let texts = 0;
    const stopped = remote.stream(
      'model/generate',
      { prompt: CODE, maxNewTokens: 400, greedy: true },
      (c) => {
        if (c.kind === 'text' && ++texts === 2) controller.abort();
      },
      { signal: controller.signal },
    );
    await assert.rejects(stopped, (e: unknown) => e instanceof EngineCallError && e.code === 'cancelled');
    const after = await generate(remote, { prompt: 'x = ', maxNewTokens: 2, greedy: true });
    assert.equal(after.at(-1)?.kind, 'summary');
  });
});
