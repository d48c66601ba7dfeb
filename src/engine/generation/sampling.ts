// Next-token choice with Hugging Face semantics: repetition penalty, temperature, top-k, top-p, greedy; seeded PRNG; NaN refused.
import type { SamplingParams } from '../../protocol/engine-methods';
import type { ErrorCode } from '../../protocol/errors';
import { softmax } from '../math';
import { FastSampler, FULL_PATH } from './fast-sampling';

/**
 * Sampling cannot choose a token: the model's logits are unusable ('bad-onnx': NaN, +Infinity or every one -Infinity,
 * the model's output itself is broken) or a sampling option is ('bad-params').
 */
export class SamplingError extends Error {
  override readonly name = 'SamplingError';
  constructor(
    readonly code: Extract<ErrorCode, 'bad-onnx' | 'bad-params'>,
    message: string,
  ) {
    super(message);
  }
}

/** Throws SamplingError unless the row can be sampled from: no NaN, no +Infinity, at least one logit above -Infinity. */
export function checkLogits(logits: ArrayLike<number>): void {
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

/** mulberry32: small, fast, good enough for sampling; returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** HF repetition penalty, in place: a seen token's logit is divided by `penalty` when positive, multiplied when negative. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (!(penalty > 0 && penalty < Infinity)) {
    throw new SamplingError('bad-params', `repetitionPenalty must be a number above 0, got ${penalty}`);
  }
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    const v = logits[id];
    if (v === undefined) continue;
    logits[id] = v < 0 ? v * penalty : v / penalty;
  }
}

/** Masks (to -Infinity) every token below the k-th largest logit; ties with it stay. In place. */
export function applyTopK(logits: Float32Array, k: number): void {
  if (!(k > 0) || k >= logits.length) return;
  const kth = Float32Array.from(logits).sort()[logits.length - k] as number;
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) < kth) logits[i] = -Infinity;
}

/**
 * HF TopPLogitsWarper, in place: sorted ascending, tokens whose cumulative probability is <= 1 - p are removed,
 * the most likely token always stays. Only tokens with probability >= (1 - p) / V need sorting: all the rarer
 * ones sum to less than 1 - p, so HF removes them too.
 */
export function applyTopP(logits: Float32Array, p: number): void {
  if (!(p < 1)) return;
  const probs = softmax(logits);
  const floor = (1 - p) / logits.length;
  const candidates: number[] = [];
  let below = 0;
  for (let i = 0; i < probs.length; i++) {
    if ((probs[i] as number) >= floor) candidates.push(i);
    else below += probs[i] as number;
  }
  candidates.sort((a, b) => (probs[a] as number) - (probs[b] as number) || b - a);
  const keep = new Uint8Array(logits.length);
  let cum = below;
  candidates.forEach((id, n) => {
    cum += probs[id] as number;
    if (cum > 1 - p || n === candidates.length - 1) keep[id] = 1;
  });
  for (let i = 0; i < logits.length; i++) if (!keep[i]) logits[i] = -Infinity;
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

function isGreedy(o: SamplingParams): boolean {
  return o.greedy === true || o.temperature === 0;
}

/**
 * The distribution the sampler draws from: processed logits (penalty, temperature, top-k, top-p; a fresh copy)
 * and their probabilities. Greedy options give a one-hot distribution on the argmax. Unusable logits (checkLogits)
 * throw SamplingError.
 */
export function distribution(
  logits: Float32Array,
  seen: Iterable<number>,
  o: SamplingParams,
): { logits: Float32Array; probs: Float64Array } {
  checkLogits(logits);
  const x = Float32Array.from(logits);
  applyRepetitionPenalty(x, seen, o.repetitionPenalty ?? 1);
  if (isGreedy(o)) {
    const probs = new Float64Array(x.length);
    probs[argmax(x)] = 1;
    return { logits: x, probs };
  }
  const t = o.temperature ?? 1;
  if (t !== 1) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) / t;
  applyTopK(x, o.topK ?? 0);
  applyTopP(x, o.topP ?? 1);
  return { logits: x, probs: softmax(x) };
}

/**
 * Draws an index from `probs` with one uniform number from `rng`; throws SamplingError when `probs` is no
 * distribution (a NaN or infinite entry, or nothing above 0) rather than returning an arbitrary token.
 */
export function drawIndex(probs: Float64Array, rng: () => number): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (!(p >= 0 && p < Infinity)) {
      throw new SamplingError(
        'bad-onnx',
        `the token probabilities are broken (token ${i} has ${p}); no token can be chosen`,
      );
    }
    total += p;
  }
  if (!(total > 0))
    throw new SamplingError('bad-onnx', 'every token probability is 0; no token can be chosen');
  const u = rng();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (p <= 0) continue;
    cum += p;
    last = i;
    if (u < cum) return i;
  }
  return last; // rounding left u just above the total
}

/**
 * Chooses next tokens; keeps the PRNG state between calls so a seeded run is reproducible. The fast path
 * (fast-sampling.ts) draws the same token as distribution() + drawIndex from one rng() number; where it cannot be
 * sure, the full path runs, with the number already drawn.
 */
export class Sampler {
  private readonly rng: () => number;
  private readonly fast = new FastSampler();
  constructor(private readonly options: SamplingParams = {}) {
    this.rng = createRng(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
  }

  next(logits: Float32Array, seen: Iterable<number>): number {
    const o = this.options;
    if (isGreedy(o)) {
      checkLogits(logits);
      if ((o.repetitionPenalty ?? 1) === 1) return argmax(logits);
      const x = Float32Array.from(logits);
      applyRepetitionPenalty(x, seen, o.repetitionPenalty ?? 1);
      return argmax(x);
    }
    const ids = Array.isArray(seen) ? (seen as readonly number[]) : [...seen];
    let drawn: number | undefined;
    const id = this.fast.next(logits, ids, o, this.rng, (u) => (drawn = u));
    if (id !== FULL_PATH) return id;
    const u = drawn;
    return drawIndex(distribution(logits, ids, o).probs, u === undefined ? this.rng : () => u);
  }
}
