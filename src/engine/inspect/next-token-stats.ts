// Per-position next-token numbers from one row of logits: log-prob and rank of the actual token, entropy, top-k.
import { topK } from '../math';

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
