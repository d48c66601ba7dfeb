// Sampling on hand-made logits: exact kept sets for top-k/top-p, temperature, HF repetition penalty, seeded draws.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyRepetitionPenalty,
  applyTopK,
  applyTopP,
  createRng,
  distribution,
  drawIndex,
  Sampler,
  SamplingError,
} from '../../../src/engine/generation/sampling';

const kept = (x: Float32Array) => [...x.keys()].filter((i) => x[i] !== -Infinity);
const f32 = (xs: number[]) => Float32Array.from(xs);
const logs = (ps: number[]) => f32(ps.map(Math.log));

describe('logits processors', () => {
  test('top-k keeps the k largest, and every token tied with the k-th', () => {
    const cases: [number, number[]][] = [
      [1, [1, 3]],
      [2, [1, 3]],
      [3, [1, 2, 3]],
      [5, [0, 1, 2, 3, 4]],
      [9, [0, 1, 2, 3, 4]],
    ];
    for (const [k, want] of cases) {
      const x = f32([1, 3, 2, 3, 0]);
      applyTopK(x, k);
      assert.deepEqual(kept(x), want, `k=${k}`);
    }
  });

  test('top-p keeps the smallest most-likely set reaching p (HF: drop while ascending cumsum <= 1 - p)', () => {
    const cases: [number, number[]][] = [
      [0.4, [0]],
      [0.75, [0, 1]],
      [0.9, [0, 1, 2]],
      [0.99, [0, 1, 2, 3]],
      [0.01, [0]],
    ];
    for (const [p, want] of cases) {
      const x = logs([0.5, 0.3, 0.15, 0.05]);
      applyTopP(x, p);
      assert.deepEqual(kept(x), want, `p=${p}`);
    }
  });

  test('top-p over a large vocabulary drops the long tail it never sorts', () => {
    const ps = new Array<number>(5000).fill(0.2 / 4998);
    ps[10] = 0.5;
    ps[20] = 0.3;
    const x = logs(ps);
    applyTopP(x, 0.79);
    assert.deepEqual(kept(x), [10, 20]);
  });

  test('repetition penalty as HF defines it: positive logits divided, negative multiplied, once per token', () => {
    const x = f32([2, -2, 1, 0.5]);
    applyRepetitionPenalty(x, [0, 1, 1, 2], 2);
    assert.deepEqual([...x], [1, -4, 0.5, 0.5]);
  });

  test('temperature divides the logits before softmax; top-k then top-p act on the tempered distribution', () => {
    const d = distribution(f32([0, Math.log(2)]), [], { temperature: 0.5 });
    assert.ok(Math.abs((d.probs[0] as number) - 0.2) < 1e-6 && Math.abs((d.probs[1] as number) - 0.8) < 1e-6);
    const e = distribution(logs([0.4, 0.3, 0.2, 0.1]), [], { temperature: 1, topK: 3, topP: 0.6 });
    // top-k leaves [0.4, 0.3, 0.2]/0.9; ascending cumsum 0.222, 0.555, 1 -> drop <= 0.4 -> keeps 0 and 1
    assert.deepEqual(
      [...e.probs.keys()].filter((i) => (e.probs[i] as number) > 0),
      [0, 1],
    );
    assert.ok(Math.abs((e.probs[0] as number) - 4 / 7) < 1e-6);
  });

  test('greedy is argmax after the penalty, first index on ties', () => {
    assert.equal(new Sampler({ greedy: true }).next(f32([1, 5, 5]), []), 1);
    assert.equal(new Sampler({ greedy: true, repetitionPenalty: 2 }).next(f32([1, 5, 4]), [1]), 2);
    assert.equal(new Sampler({ temperature: 0 }).next(f32([1, 5, 4]), []), 1);
  });
});

describe('sampling', () => {
  test('seeded samplers repeat exactly; another seed differs', () => {
    const x = logs([0.25, 0.25, 0.25, 0.25]);
    const run = (seed: number) => {
      const s = new Sampler({ seed });
      return Array.from({ length: 64 }, () => s.next(x, []));
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });

  test('draws follow the processed distribution and never leave the kept set', () => {
    const x = logs([0.1, 0.2, 0.3, 0.4]);
    const n = 40000;
    const counts = [0, 0, 0, 0];
    const s = new Sampler({ seed: 1, topK: 2, temperature: 1 });
    for (let i = 0; i < n; i++) (counts[s.next(x, [])] as number)++;
    assert.deepEqual(counts.slice(0, 2), [0, 0]);
    assert.ok(Math.abs((counts[2] as number) / n - 3 / 7) < 0.01, String(counts));
    const rng = createRng(3);
    const probs = Float64Array.from([0.2, 0, 0.8]);
    const c = [0, 0, 0];
    for (let i = 0; i < n; i++) (c[drawIndex(probs, rng)] as number)++;
    assert.equal(c[1], 0);
    assert.ok(Math.abs((c[0] as number) / n - 0.2) < 0.01, String(c));
  });
});

describe('unusable logits and options are refused, never turned into a token', () => {
  const isSamplingError = (code: string, pattern: RegExp) => (e: unknown) =>
    e instanceof SamplingError && e.code === code && pattern.test(e.message);

  test('NaN logits: an error with a code, whatever the options', () => {
    const x = f32([0.5, NaN, 0.2, 0.1]);
    for (const o of [{ seed: 1 }, { seed: 1, topK: 2 }, { seed: 1, topP: 0.9 }, { greedy: true }, {}]) {
      assert.throws(() => new Sampler(o).next(x, []), isSamplingError('bad-onnx', /NaN/), JSON.stringify(o));
    }
    // NaN at index 0 made greedy pick it; everywhere made the draw fall through to the last id
    assert.throws(() => new Sampler({ greedy: true }).next(f32([NaN, 1]), []), SamplingError);
    assert.throws(() => new Sampler({ seed: 3 }).next(f32([NaN, NaN, NaN]), []), SamplingError);
    assert.throws(() => distribution(x, [], { temperature: 0.7 }), isSamplingError('bad-onnx', /NaN/));
  });

  test('every logit -Infinity, or +Infinity among them: an error', () => {
    const none = f32([-Infinity, -Infinity, -Infinity]);
    assert.throws(() => new Sampler({ seed: 1 }).next(none, []), isSamplingError('bad-onnx', /-Infinity/));
    assert.throws(
      () => new Sampler({ greedy: true }).next(none, []),
      isSamplingError('bad-onnx', /-Infinity/),
    );
    assert.throws(
      () => new Sampler({ seed: 1 }).next(f32([0, Infinity]), []),
      isSamplingError('bad-onnx', /Infinity/),
    );
    assert.throws(() => new Sampler({ seed: 1 }).next(f32([]), []), SamplingError);
    // masked entries alone are fine
    assert.equal(new Sampler({ seed: 1 }).next(f32([-Infinity, 0, -Infinity]), []), 1);
  });

  test('drawIndex refuses probabilities that are no distribution', () => {
    const rng = createRng(1);
    assert.throws(
      () => drawIndex(Float64Array.from([0.5, NaN, 0.5]), rng),
      isSamplingError('bad-onnx', /NaN/),
    );
    assert.throws(() => drawIndex(Float64Array.from([NaN, NaN]), rng), SamplingError);
    assert.throws(() => drawIndex(Float64Array.from([0, 0, 0]), rng), isSamplingError('bad-onnx', /0/));
    assert.throws(() => drawIndex(Float64Array.from([]), rng), SamplingError);
  });

  test('a repetition penalty that is not above 0 (or not finite) is refused by sampling itself', () => {
    for (const penalty of [0, -1, NaN, Infinity]) {
      const refused = isSamplingError('bad-params', /repetitionPenalty/);
      assert.throws(() => applyRepetitionPenalty(f32([1, 2]), [0], penalty), refused, String(penalty));
      assert.throws(
        () => new Sampler({ seed: 1, repetitionPenalty: penalty }).next(f32([1, 2]), [0]),
        refused,
      );
      assert.throws(
        () => new Sampler({ greedy: true, repetitionPenalty: penalty }).next(f32([1, 2]), [0]),
        refused,
      );
    }
  });
});
