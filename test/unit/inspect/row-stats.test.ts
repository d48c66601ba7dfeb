// The inspector's statistics graph in ONNX Runtime against the textbook formulas computed in float64.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { RowStats, rowStatsModel } from '../../../src/engine/inspect/row-stats';

let stats: RowStats;
before(async () => {
  stats = new RowStats(await ort.InferenceSession.create(rowStatsModel(), { executionProviders: ['cpu'] }));
});

/** log-prob of `actual`, its rank, the entropy and the k most likely ids of one row, in float64. */
function textbook(row: Float32Array, actual: number, k: number) {
  const xs = Array.from(row);
  const max = xs.reduce((m, x) => Math.max(m, x), -Infinity);
  const lse = max + Math.log(xs.reduce((s, x) => s + Math.exp(x - max), 0));
  const entropy = -xs.reduce((s, x) => s + Math.exp(x - lse) * (x - lse), 0);
  const order = xs.map((x, id) => ({ x, id })).sort((a, b) => b.x - a.x || a.id - b.id);
  return {
    logprob: (xs[actual] as number) - lse,
    rank: 1 + xs.filter((x) => x > (xs[actual] as number)).length,
    entropy,
    top: order.slice(0, k).map(({ x, id }) => ({ id, prob: Math.exp(x - lse) })),
  };
}

/** A deterministic pseudo-random row (a linear congruential generator), spread over [-spread/2, spread/2) + shift. */
function row(vocab: number, seed: number, spread: number, shift = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: vocab }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * spread + shift;
  });
}

function assertClose(got: ReturnType<typeof textbook>, want: ReturnType<typeof textbook>, what: string) {
  assert.ok(
    Math.abs(got.logprob - want.logprob) < 1e-4,
    `${what}: logprob ${got.logprob} vs ${want.logprob}`,
  );
  assert.equal(got.rank, want.rank, `${what}: rank`);
  assert.ok(
    Math.abs(got.entropy - want.entropy) < 1e-4,
    `${what}: entropy ${got.entropy} vs ${want.entropy}`,
  );
  assert.deepEqual(
    got.top.map((t) => t.id),
    want.top.map((t) => t.id),
    `${what}: top ids`,
  );
  got.top.forEach((t, i) => {
    const p = want.top[i]?.prob as number;
    assert.ok(Math.abs(t.prob - p) <= 1e-4 * Math.max(p, 1e-3), `${what}: top ${i} prob ${t.prob} vs ${p}`);
  });
}

test('many rows at once equal the textbook per row, at a 151,936-token vocabulary', async () => {
  const V = 151_936;
  const shapes = [
    { spread: 20, shift: 0 },
    { spread: 2, shift: 15 }, // nearly flat, far from zero: the entropy's sum must not lose it
    { spread: 60, shift: -30 },
  ];
  const rows = new Float32Array(shapes.length * V);
  shapes.forEach(({ spread, shift }, j) => rows.set(row(V, j + 1, spread, shift), j * V));
  const actual = [7, 151_935, 42_000];
  const got = await stats.of(rows, V, actual, 10);
  got.forEach((g, j) => {
    assert.ok(g);
    assertClose(g, textbook(rows.subarray(j * V, (j + 1) * V), actual[j] as number, 10), `row ${j}`);
  });
});

test('a peaked row: the top token near probability 1, an unlikely token keeps its exact log-prob', async () => {
  const V = 1000;
  const r = row(V, 9, 4);
  r[123] = 60; // every other probability is below e^-55
  const [got] = await stats.of(r, V, [5], 3);
  assert.ok(got);
  const want = textbook(r, 5, 3);
  assertClose(got, want, 'peaked');
  assert.ok(want.logprob < -55, `${want.logprob}`);
  assert.equal(got.top[0]?.id, 123);
});

test('ties keep the lower id first; k above the vocabulary gives every token; k 0 gives none', async () => {
  const V = 8;
  const r = Float32Array.of(1, 3, 2, 3, 0, 3, -1, 2);
  const [all] = await stats.of(r, V, [2], 20);
  assert.deepEqual(
    all?.top.map((t) => t.id),
    [1, 3, 5, 2, 7, 0, 4, 6],
  );
  assert.equal(all?.rank, 4); // three tokens (1, 3, 5) score strictly higher than token 2
  const [none] = await stats.of(r, V, [2], 0);
  assert.deepEqual(none?.top, []);
  assertClose({ ...(none as NonNullable<typeof none>), top: [] }, { ...textbook(r, 2, 0), top: [] }, 'k 0');
});

test('a row without an actual token gives null; rows beyond the actual list are not read', async () => {
  const V = 16;
  const rows = new Float32Array(3 * V);
  rows.set(row(V, 3, 5), 0);
  rows.set(row(V, 4, 5), V);
  rows.fill(NaN, 2 * V); // not a row of this call
  const got = await stats.of(rows, V, [undefined, 9], 2);
  assert.equal(got[0], null);
  assert.ok(got[1]);
  assertClose(got[1], textbook(rows.subarray(V, 2 * V), 9, 2), 'second row');
  assert.deepEqual(await stats.of(rows, V, [], 2), []);
  await assert.rejects(stats.of(rows, V, [1, 2, 3, 4], 2), /cannot hold 4 rows/);
});

test('rows split into runs of at most batchBytes give the same statistics as one run', async () => {
  const V = 500;
  const rows = new Float32Array(7 * V);
  for (let j = 0; j < 7; j++) rows.set(row(V, 20 + j, 12), j * V);
  const actual = [3, undefined, 499, 0, 250, 17, 42];
  const session = await ort.InferenceSession.create(rowStatsModel(), { executionProviders: ['cpu'] });
  const twoRowsARun = new RowStats(session, 2 * 4 * V);
  assert.deepEqual(await twoRowsARun.of(rows, V, actual, 4), await stats.of(rows, V, actual, 4));
  const got = await twoRowsARun.of(rows, V, actual, 4);
  actual.forEach((id, j) => {
    if (id === undefined) return assert.equal(got[j], null);
    assertClose(
      got[j] as NonNullable<(typeof got)[number]>,
      textbook(rows.subarray(j * V, (j + 1) * V), id, 4),
      `row ${j}`,
    );
  });
});
