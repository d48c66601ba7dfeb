// The Sampler's fast path against a copy of the full path it replaces: the same seeded tokens and kept probabilities.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FastSampler, FULL_PATH } from '../../../src/engine/generation/fast-sampling';
import { createRng, Sampler, SamplingError } from '../../../src/engine/generation/sampling';
import type { SamplingParams } from '../../../src/protocol/engine-methods';

// ---- the reference: distribution() + drawIndex as they were before the fast path, copied verbatim in substance ----

function refCheckLogits(logits: Float32Array): void {
  let usable = false;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (Number.isNaN(v) || v === Infinity) {
      throw new SamplingError(
        'bad-onnx',
        `the model's logits are broken (token ${i} has ${v}); no token can be chosen. The ONNX file or its dtype ` +
          `may not suit this model (try another dtype)`,
      );
    }
    if (v > -Infinity) usable = true;
  }
  if (!usable) {
    throw new SamplingError(
      'bad-onnx',
      logits.length === 0
        ? 'the model gave no logits; no token can be chosen'
        : "every one of the model's logits is -Infinity; no token can be chosen",
    );
  }
}

function refSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const e = Math.exp((row[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Checked, penalised logits (a copy). */
function refDistributionLogits(
  logits: Float32Array,
  seen: readonly number[],
  o: SamplingParams,
): Float32Array {
  refCheckLogits(logits);
  const x = Float32Array.from(logits);
  const penalty = o.repetitionPenalty ?? 1;
  if (!(penalty > 0 && penalty < Infinity)) {
    throw new SamplingError('bad-params', `repetitionPenalty must be a number above 0, got ${penalty}`);
  }
  if (penalty !== 1) {
    for (const id of new Set(seen)) {
      const v = x[id];
      if (v === undefined) continue;
      x[id] = v < 0 ? v * penalty : v / penalty;
    }
  }
  return x;
}

function refDistribution(logits: Float32Array, seen: readonly number[], o: SamplingParams): Float64Array {
  const x = refDistributionLogits(logits, seen, o);
  const t = o.temperature ?? 1;
  if (t !== 1) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) / t;
  const k = o.topK ?? 0;
  if (k > 0 && k < x.length) {
    const kth = Float32Array.from(x).sort()[x.length - k] as number;
    for (let i = 0; i < x.length; i++) if ((x[i] as number) < kth) x[i] = -Infinity;
  }
  const p = o.topP ?? 1;
  if (p < 1) {
    const probs = refSoftmax(x);
    const floor = (1 - p) / x.length;
    const candidates: number[] = [];
    let below = 0;
    for (let i = 0; i < probs.length; i++) {
      if ((probs[i] as number) >= floor) candidates.push(i);
      else below += probs[i] as number;
    }
    candidates.sort((a, b) => (probs[a] as number) - (probs[b] as number) || b - a);
    const keep = new Uint8Array(x.length);
    let cum = below;
    candidates.forEach((id, n) => {
      cum += probs[id] as number;
      if (cum > 1 - p || n === candidates.length - 1) keep[id] = 1;
    });
    for (let i = 0; i < x.length; i++) if (!keep[i]) x[i] = -Infinity;
  }
  return refSoftmax(x);
}

function refDraw(probs: Float64Array, u: number): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) {
    const q = probs[i] as number;
    if (!(q >= 0 && q < Infinity)) {
      throw new SamplingError(
        'bad-onnx',
        `the token probabilities are broken (token ${i} has ${q}); no token can be chosen`,
      );
    }
    total += q;
  }
  if (!(total > 0))
    throw new SamplingError('bad-onnx', 'every token probability is 0; no token can be chosen');
  let cum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const q = probs[i] as number;
    if (q <= 0) continue;
    cum += q;
    last = i;
    if (u < cum) return i;
  }
  return last;
}

/** The old Sampler.next: greedy is the argmax after the penalty; otherwise one rng() number walks the probabilities. */
function referenceNext(
  logits: Float32Array,
  seen: readonly number[],
  o: SamplingParams,
  rng: () => number,
): number {
  if (o.greedy === true || o.temperature === 0) {
    // the argmax of the penalised logits, first index on ties
    const x = refDistributionLogits(logits, seen, o);
    let best = 0;
    for (let i = 1; i < x.length; i++) if ((x[i] as number) > (x[best] as number)) best = i;
    return best;
  }
  return refDraw(refDistribution(logits, seen, o), rng());
}

// ---- rows ----

function gaussians(V: number, seed: number, sigma: number): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    x[i] = sigma * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  }
  return x;
}

const ROWS: Record<string, (V: number, seed: number) => Float32Array> = {
  // a confident model: a few tokens far above a noisy tail
  peaked: (V, seed) => {
    const x = gaussians(V, seed, 2);
    const rng = createRng(seed + 1);
    for (const bump of [14, 12.5, 12, 11]) x[Math.floor(rng() * V)] = bump;
    return x;
  },
  // an unsure one: the whole vocabulary within a few nats
  flat: (V, seed) => gaussians(V, seed, 1),
  // integer logits: many ties, at the k-th value too
  ties: (V, seed) => gaussians(V, seed, 2).map(Math.round),
  // a third of the vocabulary masked
  masked: (V, seed) => {
    const rng = createRng(seed + 2);
    return ROWS.peaked!(V, seed).map((v) => (rng() < 0.33 ? -Infinity : v));
  },
  // neighbouring float32 values just below 2, which a temperature of 1.9 rounds pairwise onto one value
  dense: (V, seed) => {
    const rng = createRng(seed + 3);
    return Float32Array.from({ length: V }, () => 2 - (1 + Math.floor(rng() * 40)) * 2 ** -23);
  },
};

const SETTINGS: SamplingParams[] = [
  { greedy: true },
  { temperature: 0, repetitionPenalty: 1.3 },
  {},
  { temperature: 0.7 },
  { temperature: 1.3 },
  { topK: 1 },
  { topK: 20 },
  { temperature: 1.3, topK: 5 },
  { temperature: 1.9, topK: 5 },
  { temperature: 1.9, topK: 3, topP: 0.5 },
  { topP: 0.9 },
  { temperature: 0.7, topP: 0.9 },
  { temperature: 0.7, topP: 0.5 },
  { temperature: 1.3, topP: 0.99 },
  { temperature: 0.7, topK: 20, topP: 0.8 },
  { temperature: 0.7, topK: 20, topP: 0.8, repetitionPenalty: 1.05 },
  { temperature: 0.7, topP: 0.9, repetitionPenalty: 1.05 },
  { temperature: 1, repetitionPenalty: 1.3 },
  { topK: 50, topP: 0.95, repetitionPenalty: 0.8 },
];

/** Seen ids: the row's best few, random ones, a repeat, and ids the row does not have. */
function seenFor(row: Float32Array, seed: number): number[] {
  const rng = createRng(seed + 4);
  const best = [...row.keys()].sort((a, b) => (row[b] as number) - (row[a] as number)).slice(0, 3);
  const random = Array.from({ length: 8 }, () => Math.floor(rng() * row.length));
  return [...best, ...random, best[0] as number, row.length + 5, -1];
}

/** Seeded token sequences of the Sampler and of the reference, the chosen id added to `seen` after each draw. */
function sequences(row: Float32Array, o: SamplingParams, seed: number, draws: number) {
  const seen1 = seenFor(row, seed);
  const seen2 = [...seen1];
  const sampler = new Sampler({ ...o, seed });
  const rng = createRng(seed);
  const got: number[] = [];
  const want: number[] = [];
  for (let n = 0; n < draws; n++) {
    const a = sampler.next(row, seen1);
    const b = referenceNext(row, seen2, o, rng);
    got.push(a);
    want.push(b);
    seen1.push(a);
    seen2.push(b);
  }
  return { got, want };
}

const fallbacks = { answered: 0, full: 0 };

/** The fast path alone on one draw: the same id as the reference, and the kept probabilities within 1e-12. */
function checkKept(row: Float32Array, o: SamplingParams, seed: number, label: string): void {
  if (o.greedy === true || o.temperature === 0) return;
  const seen = seenFor(row, seed);
  const fast = new FastSampler(true);
  const id = fast.next(row, seen, o, createRng(seed), () => {});
  if (id === FULL_PATH) {
    fallbacks.full++;
    return;
  }
  fallbacks.answered++;
  const probs = refDistribution(row, seen, o);
  assert.equal(id, refDraw(probs, createRng(seed)()), label);
  const kept = fast.last;
  assert.ok(kept, label);
  const mine = new Float64Array(row.length);
  kept.ids.forEach((i, j) => (mine[i] = kept.probs[j] as number));
  let worst = 0;
  for (let i = 0; i < row.length; i++)
    worst = Math.max(worst, Math.abs((mine[i] as number) - (probs[i] as number)));
  assert.ok(worst <= 1e-12, `${label}: kept probabilities differ by ${worst}`);
}

describe('the fast path draws what the full path drew', () => {
  for (const V of [50, 1000]) {
    test(`V = ${V}: every row kind and setting, 12 seeds of 6 draws each, the same tokens`, () => {
      for (const [kind, make] of Object.entries(ROWS)) {
        for (let s = 0; s < 12; s++) {
          const row = make(V, 1000 * s + V);
          for (const o of SETTINGS) {
            const label = `${kind} seed ${s} ${JSON.stringify(o)}`;
            const { got, want } = sequences(row, o, 77 + s, 6);
            assert.deepEqual(got, want, label);
            checkKept(row, o, 91 + s, label);
          }
        }
      }
    });
  }

  test('V = 151,936 (Qwen2.5): peaked, flat and tied rows, the model and chat settings, the same tokens', () => {
    const V = 151_936;
    const settings: SamplingParams[] = [
      { temperature: 0.7, topK: 20, topP: 0.8, repetitionPenalty: 1.05 },
      { temperature: 0.7, topP: 0.9 },
      { temperature: 0.7, topP: 0.9, repetitionPenalty: 1.05 },
      { temperature: 0.7 },
      { topK: 20 },
      { greedy: true, repetitionPenalty: 1.05 },
    ];
    for (const kind of ['peaked', 'flat', 'ties']) {
      const row = ROWS[kind]!(V, 5);
      for (const o of settings) {
        const label = `${kind} ${JSON.stringify(o)}`;
        const { got, want } = sequences(row, o, 3, 2);
        assert.deepEqual(got, want, label);
        checkKept(row, o, 4, label);
      }
    }
  });

  test('the fast path answers nearly every draw itself (the full path is the rare fallback)', () => {
    assert.ok(fallbacks.answered > 1000, JSON.stringify(fallbacks));
    assert.ok(fallbacks.full <= fallbacks.answered / 100, JSON.stringify(fallbacks));
  });
});

describe('too close to call: the fast path defers to the full path, which reuses the number already drawn', () => {
  const equal = Float32Array.from({ length: 4 }, () => 0); // four tokens at 0.25

  test('a top-p cut exactly at 1 - p', () => {
    // ascending cumulative sums 0.25, 0.5, 0.75: whether 0.5 exceeds 1 - 0.5 is down to rounding
    const heard: number[] = [];
    const fast = new FastSampler();
    assert.equal(
      fast.next(equal, [], { topP: 0.5 }, createRng(1), (u) => heard.push(u)),
      FULL_PATH,
    );
    assert.deepEqual(heard, [], 'it gave up before drawing');
  });

  test('a uniform number exactly on a cumulative boundary', () => {
    const heard: number[] = [];
    const fast = new FastSampler();
    const id = fast.next(
      equal,
      [],
      { temperature: 1 },
      () => 0.5,
      (u) => heard.push(u),
    );
    assert.equal(id, FULL_PATH);
    assert.deepEqual(heard, [0.5], 'the number it drew is handed on');
  });

  test('the Sampler then draws what the reference draws, from the same numbers', () => {
    for (const o of [{ topP: 0.5 }, { temperature: 1 }, { topP: 0.75, temperature: 1 }]) {
      const { got, want } = sequences(equal, o, 5, 50);
      assert.deepEqual(got, want, JSON.stringify(o));
    }
  });
});

describe('unusable rows: the same SamplingError as the full path, whatever the settings', () => {
  const rows: [string, Float32Array][] = [
    ['NaN', Float32Array.from([0.5, 1, NaN, 0.2])],
    ['+Infinity', Float32Array.from([0.5, Infinity, 0.2])],
    ['every -Infinity', Float32Array.from([-Infinity, -Infinity])],
    ['empty', new Float32Array(0)],
    ['NaN in a large row', ROWS.flat!(151_936, 1).map((v, i) => (i === 150_000 ? NaN : v))],
  ];
  for (const [name, row] of rows) {
    test(name, () => {
      for (const o of [...SETTINGS, { repetitionPenalty: 0 }, { topP: 0.9, repetitionPenalty: -1 }]) {
        let want: unknown;
        try {
          referenceNext(row, [0, 1], o, createRng(1));
        } catch (e) {
          want = e;
        }
        assert.ok(want instanceof SamplingError, `${name} ${JSON.stringify(o)}`);
        assert.throws(
          () => new Sampler({ ...o, seed: 1 }).next(row, [0, 1]),
          (e: unknown) => e instanceof SamplingError && e.code === want.code && e.message === want.message,
          `${name} ${JSON.stringify(o)}`,
        );
      }
    });
  }
});
