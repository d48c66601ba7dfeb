// Attention recomputed from queries and keys: softmax(q·kᵀ·scale + causal mask), for graphs whose fused
// attention op hides its probabilities, and as an independent check of the promoted Softmax outputs.

/**
 * Probabilities [queries, keys] of one head. `q` is [queries, headDim] (rotary already applied), `k` is
 * [keys, headDim]; query i sits at absolute position keys - queries + i and sees keys 0..that position.
 */
export function replayHead(
  q: Float32Array,
  k: Float32Array,
  headDim: number,
  scale = 1 / Math.sqrt(headDim),
): Float32Array {
  const nq = q.length / headDim;
  const nk = k.length / headDim;
  const offset = nk - nq;
  const out = new Float32Array(nq * nk);
  for (let i = 0; i < nq; i++) {
    const last = offset + i;
    let max = -Infinity;
    for (let j = 0; j <= last; j++) {
      let s = 0;
      for (let d = 0; d < headDim; d++) s += (q[i * headDim + d] as number) * (k[j * headDim + d] as number);
      s *= scale;
      out[i * nk + j] = s;
      max = Math.max(max, s);
    }
    let sum = 0;
    for (let j = 0; j <= last; j++) {
      const e = Math.exp((out[i * nk + j] as number) - max);
      out[i * nk + j] = e;
      sum += e;
    }
    for (let j = 0; j <= last; j++) out[i * nk + j] = (out[i * nk + j] as number) / sum;
  }
  return out;
}
