// Logit lens: a residual-stream vector through the model's final norm and LM head, computed in plain JS.
import type { InputQuantization } from './weight-patterns';

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
  /** How the graph rounds the head's input first (dynamic quantization, int8 compute), if it does. */
  quantizeInput?: InputQuantization;
}

/** int8 per block with a symmetric scale, then back: MatMulNBits's int8 compute (accuracy_level 4) on its input. */
export function blockInt8RoundTrip(x: Float32Array, blockSize: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < x.length; b += blockSize) {
    const end = Math.min(x.length, b + blockSize);
    let amax = 0;
    for (let i = b; i < end; i++) amax = Math.max(amax, Math.abs(x[i] as number));
    const scale = Math.fround(amax / 127);
    const inverse = scale ? Math.fround(1 / scale) : 0;
    for (let i = b; i < end; i++) {
      const v = Math.fround((x[i] as number) * inverse);
      out[i] = Math.sign(v) * Math.round(Math.abs(v)) * scale;
    }
  }
  return out;
}

/** Rounds half to even, as ONNX Runtime's std::nearbyint does. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The range DynamicQuantizeLinear takes its scale from: every value of the tensor, and 0. */
export function valueRange(x: Float32Array, range = { min: 0, max: 0 }): { min: number; max: number } {
  for (const v of x) {
    range.min = Math.min(range.min, v);
    range.max = Math.max(range.max, v);
  }
  return range;
}

/**
 * DynamicQuantizeLinear then back: the values the quantized head really multiplies (float32 scale, as ORT's). The
 * graph quantizes the whole [positions, hidden] input with one scale, so `range` is that of every position.
 */
export function dynamicQuantizeRoundTrip(x: Float32Array, range = valueRange(x)): Float32Array {
  const { min, max } = range;
  const scale = Math.fround((max - min) / 255);
  if (scale === 0) return Float32Array.from(x);
  const zp = Math.min(255, Math.max(0, roundEven(-min / scale)));
  return x.map((v) => (Math.min(255, Math.max(0, roundEven(Math.fround(v / scale)) + zp)) - zp) * scale);
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

export function applyHead(
  input: Float32Array,
  head: LmHead,
  range?: { min: number; max: number },
): Float32Array {
  const { vocab, hidden, weights } = head;
  const q = head.quantizeInput;
  const h = !q
    ? input
    : q.kind === 'tensor-uint8'
      ? dynamicQuantizeRoundTrip(input, range)
      : blockInt8RoundTrip(input, q.blockSize);
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

/**
 * The lens logits of one position's residual. A head that quantizes its input needs the range of the whole normed
 * sequence (`all`: [positions, hidden] residuals), as the graph sees it.
 */
export function lensLogits(
  residual: Float32Array,
  norm: FinalNorm,
  head: LmHead,
  all?: Float32Array,
): Float32Array {
  let range: { min: number; max: number } | undefined;
  if (head.quantizeInput?.kind === 'tensor-uint8' && all) {
    range = { min: 0, max: 0 };
    for (let r = 0; r < all.length / head.hidden; r++)
      valueRange(applyNorm(all.subarray(r * head.hidden, (r + 1) * head.hidden), norm), range);
  }
  return applyHead(applyNorm(residual, norm), head, range);
}
