// Per-position next-token numbers from one row of logits: log-prob and rank of the actual token, entropy, top-k.

export interface TopEntry {
  id: number;
  prob: number;
}

export interface PositionStats {
  /** ln p(actual token) (nats). */
  logprob: number;
  /** 1 + the number of tokens the model scored strictly higher than the actual one. */
  rank: number;
  /** Entropy of the whole next-token distribution (nats). */
  entropy: number;
  /** The k most likely tokens, most likely first. */
  top: TopEntry[];
}

/** Log-sum-exp of a logits row, computed stably. */
export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  return max + Math.log(sum);
}

/** The k highest-scoring ids of a row, best first (ties: lower id first). */
export function topK(logits: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (best.length === k && v <= (logits[best[k - 1] as number] as number)) continue;
    let j = Math.min(best.length, k - 1);
    while (j > 0 && (logits[best[j - 1] as number] as number) < v) j--;
    best.splice(j, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export function positionStats(logits: Float32Array, actual: number, k: number): PositionStats {
  const target = logits[actual] as number;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  // one pass: Σe, Σe·l (e = exp(l - max)) give the log-sum-exp and the entropy lse - Σp·l
  let sumE = 0;
  let sumEL = 0;
  let rank = 1;
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i] as number;
    const e = Math.exp(l - max);
    sumE += e;
    sumEL += e * l;
    if (l > target) rank++;
  }
  const lse = max + Math.log(sumE);
  const top = topK(logits, k).map((id) => ({ id, prob: Math.exp((logits[id] as number) - lse) }));
  return { logprob: target - lse, rank, entropy: lse - sumEL / sumE, top };
}
