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

export interface RotaryCaches {
  /** [positions, cols] each; cols = rotaryDim / 2. */
  cos: Float32Array;
  sin: Float32Array;
  cols: number;
  interleaved: boolean;
}

/**
 * Queries [seq, heads * headDim] (as a fused op receives them) to head-major [heads, seq, headDim], rotated at
 * positions 0..seq-1 the way the op rotates them (half-split pairs, or adjacent pairs when interleaved).
 */
export function rotateQueries(
  q: Float32Array,
  heads: number,
  headDim: number,
  rotary?: RotaryCaches,
): Float32Array {
  const seq = q.length / (heads * headDim);
  const out = new Float32Array(q.length);
  for (let t = 0; t < seq; t++) {
    for (let h = 0; h < heads; h++) {
      const src = (t * heads + h) * headDim;
      const dst = (h * seq + t) * headDim;
      for (let d = 0; d < headDim; d++) out[dst + d] = q[src + d] as number;
      if (!rotary) continue;
      const cols = rotary.cols;
      for (let i = 0; i < cols; i++) {
        const c = rotary.cos[t * cols + i] as number;
        const s = rotary.sin[t * cols + i] as number;
        const [a, b] = rotary.interleaved ? [2 * i, 2 * i + 1] : [i, i + cols];
        const x1 = q[src + a] as number;
        const x2 = q[src + b] as number;
        out[dst + a] = x1 * c - x2 * s;
        out[dst + b] = x2 * c + x1 * s;
      }
    }
  }
  return out;
}
