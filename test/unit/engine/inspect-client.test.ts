// inspect/* through the engine process: numbers against plain onnxruntime-node, typed arrays over IPC, coded errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineCallError, EngineClient } from '../../../src/client/engine-client';
import type { InspectResult } from '../../../src/protocol/engine-methods';
import {
  argmax,
  bundledModel,
  dims,
  emptyPast,
  fixturesDir,
  openSession,
  repoRoot,
  row,
  step,
} from '../../support/model-folder';

const enginePath = join(repoRoot, 'dist', 'engine.js');
const cacheDir = mkdtempSync(join(tmpdir(), 'glassbox-engine-cache-'));
let client: EngineClient;

before(() => {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run npm run build first`);
  client = new EngineClient({ enginePath, env: { ...process.env, GLASSBOX_CACHE_DIR: cacheDir } });
});
after(async () => {
  await client.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

const TEXT = 'const total = items.reduce((sum, x) => sum + x.price, 0);\n// 价格 🙂\n';

async function rejectsWith(call: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof EngineCallError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('inspect/* in the engine process', () => {
  let r: InspectResult;

  test('inspect/run: per-token log-probs, ranks and top-1 equal one plain onnxruntime-node pass (1e-4)', async () => {
    await client.request('model/load', { dir: bundledModel, ep: 'cpu', threads: 1 });
    r = await client.request('inspect/run', { text: TEXT, topK: 5 });
    assert.ok(r.bos, 'the bundled model has a BOS');
    // the inspection edits the run graph in memory: no copy of the model goes to the folder the host named
    assert.deepEqual(readdirSync(cacheDir), []);
    assert.ok(r.tokens[0]?.bytes instanceof Uint8Array, 'token bytes arrive as Uint8Array');
    assert.equal(Buffer.concat(r.tokens.map((t) => t.bytes)).toString('utf8'), TEXT);
    const d = dims(bundledModel);
    const ids = [r.bos.id, ...r.tokens.map((t) => t.id)];
    const session = await openSession(bundledModel);
    const { logits } = await step(session, d, ids, emptyPast(d));
    await session.release();
    r.tokens.forEach((tok, i) => {
      const p = r.positions[i];
      assert.ok(p, `position ${i}`);
      const x = row(logits, i, d.vocab);
      const m = Math.max(...x);
      const lse = m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
      const actual = x[tok.id] as number;
      assert.ok(Math.abs(p.logprob - (actual - lse)) < 1e-4, `logprob at ${i}`);
      assert.equal(p.rank, 1 + x.filter((v) => v > actual).length);
      assert.equal(p.top[0]?.id, argmax(x));
      assert.equal(p.top.length, 5);
    });
  });

  test('inspect/attention: Float32Array rows that sum to 1 and never look ahead; the mean is the mean of heads', async () => {
    const n = r.tokens.length + 1;
    const heads = await Promise.all(
      Array.from({ length: r.heads }, (_, h) =>
        client.request('inspect/attention', { handle: r.handle, layer: r.layers - 1, head: h }),
      ),
    );
    for (const a of heads) {
      assert.ok(a.data instanceof Float32Array);
      assert.equal(a.size, n);
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const v = a.data[i * n + j] as number;
          if (j > i) assert.equal(v, 0, `row ${i} looks ahead at ${j}`);
          sum += v;
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
      }
    }
    const mean = await client.request('inspect/attention', {
      handle: r.handle,
      layer: r.layers - 1,
      head: 'mean',
    });
    for (let i = 0; i < n * n; i += 7) {
      const expected = heads.reduce((s, a) => s + (a.data[i] as number), 0) / heads.length;
      assert.ok(Math.abs((mean.data[i] as number) - expected) < 1e-6);
    }
  });

  test('inspect/thumbnails, inspect/lens and inspect/neighbours answer from the held pass', async () => {
    const t = await client.request('inspect/thumbnails', { handle: r.handle, size: 8 });
    assert.equal(t.size, 8);
    assert.equal(t.data.length, r.layers * r.heads * 64);
    const position = 5;
    const lens = await client.request('inspect/lens', { handle: r.handle, position, topK: 3 });
    assert.equal(lens.length, r.layers + 1);
    // the last layer through the final norm and head is the model's own prediction
    assert.equal(lens.at(-1)?.top[0]?.id, r.positions[position]?.top[0]?.id);
    assert.equal(lens.at(-1)?.rank, r.positions[position]?.rank);
    const id = r.tokens[1]?.id as number;
    const near = await client.request('inspect/neighbours', { id, topK: 4 });
    assert.equal(near[0]?.id, id);
    assert.ok(Math.abs((near[0]?.cosine ?? 0) - 1) < 1e-5);
    assert.ok(near.every((x, i) => i === 0 || x.cosine <= (near[i - 1]?.cosine ?? 1)));
  });

  test('bad requests and released handles are coded errors; the engine keeps serving', async () => {
    await rejectsWith(
      client.request('inspect/attention', { handle: r.handle, layer: r.layers, head: 0 }),
      'bad-params',
      /layer must be a whole number from 0 to/,
    );
    await rejectsWith(client.request('inspect/run', { text: 42 as unknown as string }), 'bad-params', /text/);
    await client.request('inspect/release', { handle: r.handle });
    await rejectsWith(
      client.request('inspect/lens', { handle: r.handle, position: 1 }),
      'inspection-gone',
      /is gone/,
    );
    const again = await client.request('inspect/run', { text: 'x = 1\n' });
    assert.equal(again.tokens.map((t) => t.text).join(''), 'x = 1\n');
  });

  test('loading another model drops the previous inspections; the new model inspects with its own layout', async () => {
    const before = await client.request('inspect/run', { text: 'let a = 1;' });
    await client.request('model/load', { dir: join(fixturesDir, 'gpt2'), ep: 'cpu', threads: 1 });
    await rejectsWith(
      client.request('inspect/attention', { handle: before.handle, layer: 0, head: 0 }),
      'inspection-gone',
      /is gone/,
    );
    const g = await client.request('inspect/run', { text: 'let a = 1;' });
    const d = dims(join(fixturesDir, 'gpt2'));
    assert.deepEqual([g.layers, g.heads], [d.layers, d.heads]);
    const a = await client.request('inspect/attention', { handle: g.handle, layer: d.layers - 1, head: 0 });
    assert.equal(a.size, g.tokens.length + (g.bos ? 1 : 0));
  });
});
