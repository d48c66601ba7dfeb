// Logit lens: a residual-stream vector through the model's final norm and LM head, computed in plain JS.

export interface FinalNorm {
  kind: 'rms' | 'layer';
  eps: number;
  scale: Float32Array;
  bias?: Float32Array;
}

export interface LmHead {
  /** Row-major weights: [vocab, hidden] when vocabMajor, else [hidden, vocab]. */
  weights: Float32Array;
  vocabMajor: boolean;
  vocab: number;
  hidden: number;
  /** cap * tanh(logits / cap) after the product (Gemma 2), when the model applies it. */
  softcap?: number;
}

export function applyNorm(x: Float32Array, norm: FinalNorm): Float32Array {
  const d = x.length;
  const out = new Float32Array(d);
  let mean = 0;
  if (norm.kind === 'layer') {
    for (let i = 0; i < d; i++) mean += x[i] as number;
    mean /= d;
  }
  let sq = 0;
  for (let i = 0; i < d; i++) sq += ((x[i] as number) - mean) ** 2;
  const inv = 1 / Math.sqrt(sq / d + norm.eps);
  for (let i = 0; i < d; i++) {
    out[i] =
      ((x[i] as number) - mean) * inv * (norm.scale[i] as number) +
      (norm.bias ? (norm.bias[i] as number) : 0);
  }
  return out;
}

export function applyHead(h: Float32Array, head: LmHead): Float32Array {
  const { vocab, hidden, weights } = head;
  const out = new Float32Array(vocab);
  if (head.vocabMajor) {
    for (let v = 0; v < vocab; v++) {
      let s = 0;
      const row = v * hidden;
      for (let i = 0; i < hidden; i++) s += (weights[row + i] as number) * (h[i] as number);
      out[v] = s;
    }
  } else {
    for (let i = 0; i < hidden; i++) {
      const hi = h[i] as number;
      const row = i * vocab;
      for (let v = 0; v < vocab; v++) out[v] = (out[v] as number) + (weights[row + v] as number) * hi;
    }
  }
  const cap = head.softcap;
  if (cap) for (let v = 0; v < vocab; v++) out[v] = cap * Math.tanh((out[v] as number) / cap);
  return out;
}

export function lensLogits(residual: Float32Array, norm: FinalNorm, head: LmHead): Float32Array {
  return applyHead(applyNorm(residual, norm), head);
}
