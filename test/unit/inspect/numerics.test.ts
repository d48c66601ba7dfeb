// The inspector's small numeric pieces against naive references: top-k, per-position stats, LRU, rotary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rotateQueries } from '../../../src/engine/inspect/attention-replay';
import { topK } from '../../../src/engine/math';
import { positionStats } from '../../../src/engine/inspect/next-token-stats';
import { TensorCache } from '../../../src/engine/inspect/tensor-cache';

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
}

test('topK equals a full sort (descending value, ties by lower id)', () => {
  const r = rng(7);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + Math.floor(r() * 300);
    const xs = Float32Array.from({ length: n }, () => Math.round(r() * 20) / 4); // many ties
    const k = 1 + Math.floor(r() * 12);
    const expected = [...xs.keys()]
      .sort((a, b) => (xs[b] as number) - (xs[a] as number) || a - b)
      .slice(0, k);
    assert.deepEqual(topK(xs, k), expected);
  }
});

test('positionStats equals the textbook formulas', () => {
  const r = rng(3);
  const logits = Float32Array.from({ length: 500 }, () => (r() - 0.5) * 30);
  const actual = 123;
  const s = positionStats(logits, actual, 5);
  const z = [...logits].reduce((a, l) => a + Math.exp(l), 0);
  const p = [...logits].map((l) => Math.exp(l) / z);
  assert.ok(Math.abs(s.logprob - Math.log(p[actual] as number)) < 1e-9);
  assert.ok(Math.abs(s.entropy - -p.reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0)) < 1e-9);
  assert.equal(s.rank, 1 + p.filter((q) => q > (p[actual] as number)).length);
  assert.ok(Math.abs((s.top[0]?.prob as number) - Math.max(...p)) < 1e-12);
});

test('TensorCache evicts least recently used entries to stay within its budget', () => {
  const c = new TensorCache<Float32Array>(40); // ten floats
  c.set('a', new Float32Array(4));
  c.set('b', new Float32Array(4));
  c.get('a'); // a is now the most recent
  c.set('c', new Float32Array(4)); // evicts b
  assert.ok(c.get('a') && c.get('c'));
  assert.equal(c.get('b'), undefined);
  assert.equal(c.usedBytes, 32);
  c.set('huge', new Float32Array(11)); // larger than the budget: not stored, nothing evicted
  assert.equal(c.get('huge'), undefined);
  assert.equal(c.usedBytes, 32);
  c.deletePrefix('a');
  assert.equal(c.usedBytes, 16);
});

test('rotateQueries: identity rotary transposes to head-major; a quarter turn rotates each pair', () => {
  const heads = 2;
  const hd = 4;
  const seq = 3;
  const q = Float32Array.from({ length: seq * heads * hd }, (_, i) => i + 1);
  const plain = rotateQueries(q, heads, hd);
  for (let t = 0; t < seq; t++)
    for (let h = 0; h < heads; h++)
      for (let d = 0; d < hd; d++) assert.equal(plain[(h * seq + t) * hd + d], q[(t * heads + h) * hd + d]);
  const cols = 2;
  const quarter = {
    cos: new Float32Array(seq * cols).fill(0),
    sin: new Float32Array(seq * cols).fill(1),
    cols,
    interleaved: false,
  };
  const rot = rotateQueries(q, heads, hd, quarter);
  // half-split pairs (x1, x2) = (d, d + 2) become (-x2, x1)
  const src = q.subarray(0, hd);
  assert.deepEqual(Array.from(rot.subarray(0, hd)), [
    -(src[2] as number),
    -(src[3] as number),
    src[0],
    src[1],
  ]);
});
