// The engine's numerics over a logits row, in one place: log-sum-exp, softmax, log-prob, entropy, top-k; IEEE half -> float.

/** Log-sum-exp of a row, computed stably (max subtracted first). */
export function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i] as number);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp((row[i] as number) - max);
  return max + Math.log(sum);
}

/** Softmax in float64 (masked -Infinity entries get 0). */
export function softmax(row: Float32Array): Float64Array {
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

/** ln softmax(row)[target], in float64. */
export function logProb(row: Float32Array, target: number, lse = logSumExp(row)): number {
  return (row[target] as number) - lse;
}

/** Entropy of softmax(row) in nats; `lse` when the caller has it already. */
export function entropy(row: Float32Array, lse = logSumExp(row)): number {
  let h = 0;
  for (const v of row) {
    const lp = v - lse;
    if (lp > -Infinity) h -= Math.exp(lp) * lp;
  }
  return h;
}

/** The k highest-scoring ids of a row, best first (ties: lower id first). */
export function topK(row: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i] as number;
    if (best.length === k && v <= (row[best[k - 1] as number] as number)) continue;
    let j = Math.min(best.length, k - 1);
    while (j > 0 && (row[best[j - 1] as number] as number) < v) j--;
    best.splice(j, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** One IEEE 754 half (its 16 bits) as a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** IEEE halves -> float32 (logits and caches of float16 graphs). */
export function halvesToFloats(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i] as number);
  return out;
}
