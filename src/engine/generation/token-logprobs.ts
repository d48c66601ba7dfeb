// A generated token's log-probability and its most likely alternatives, read from the model's raw logits row.
import type { TokenLogprob } from '../../protocol/engine-methods';
import { logSumExp, topK } from '../math';
import type { TextTokenizer } from '../model/tokenizer';

/** ln softmax(row) at `id` and at the `k` most likely ids (best first), each with its text and bytes. */
export function tokenLogprob(
  tokenizer: TextTokenizer,
  row: Float32Array,
  id: number,
  k: number,
): TokenLogprob {
  const lse = logSumExp(row);
  const entry = (i: number) => ({
    id: i,
    text: tokenizer.tokenText(i),
    bytes: tokenizer.tokenBytes(i),
    logprob: (row[i] as number) - lse,
  });
  return { ...entry(id), top: k > 0 ? topK(row, k).map(entry) : [] };
}
