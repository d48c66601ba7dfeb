// Weights the inspector reads straight from the ONNX file (dequantized), each loaded once: final norm, LM head, embeddings, rotary.
import type { RotaryCaches } from './attention-replay';
import { materialise, type Matrix } from './dequantize';
import type { DecoderAnatomy, FinalNormSpec, FusedAttention } from './graph-analysis';
import { readFloats } from './initializers';
import type { FinalNorm, LmHead } from './logit-lens';
import type { OnnxGraph } from './onnx-proto';
import type { HeadPattern, MatrixSource } from './weight-patterns';

/** What the weights need to know of the model. */
export interface WeightSource {
  onnxPath: string;
  dims: { hidden: number; vocab: number };
  /** config.json, for the final norm's kind and epsilon. */
  config: Record<string, unknown>;
}

/** Model types whose final norm is a LayerNorm (the others use RMSNorm) when the graph does not say. */
const LAYER_NORM_TYPES = ['gpt2', 'gpt_neox', 'gptj', 'opt', 'bloom', 'falcon', 'phi', 'codegen'];

export class ModelWeights {
  private lensParts: { norm: FinalNorm; head: LmHead } | undefined;
  private embedding: { weights: Float32Array; norms: Float32Array } | undefined;
  private readonly rotaryByCos = new Map<string, RotaryCaches>();

  constructor(
    private readonly model: WeightSource,
    private readonly graph: OnnxGraph,
    private readonly anatomy: DecoderAnatomy,
  ) {}

  /** The final norm and LM head the logit lens applies to every layer's residual stream (the anatomy has both). */
  lens(): { norm: FinalNorm; head: LmHead } {
    if (this.lensParts) return this.lensParts;
    const fn = this.anatomy.finalNorm as FinalNormSpec;
    const lm = this.anatomy.lmHead as HeadPattern;
    const c = this.model.config;
    const eps = [c.rms_norm_eps, c.layer_norm_epsilon, c.layer_norm_eps, c.norm_epsilon].find(
      (x): x is number => typeof x === 'number',
    );
    const norm: FinalNorm = {
      kind: fn.kind ?? (fn.bias || LAYER_NORM_TYPES.includes(String(c.model_type)) ? 'layer' : 'rms'),
      eps: fn.eps ?? eps ?? 1e-5,
      scale: this.floats(fn.scale),
      ...(fn.bias ? { bias: this.floats(fn.bias) } : {}),
    };
    const { vocab, hidden } = this.model.dims;
    const matrix = this.matrix(lm.matrix);
    const expected = lm.vocabMajor ? [vocab, hidden] : [hidden, vocab];
    if (matrix.rows !== expected[0] || matrix.cols !== expected[1]) {
      throw new Error(
        `the LM head is ${matrix.rows} x ${matrix.cols}, expected ${expected.join(' x ')} from config.json`,
      );
    }
    this.lensParts = {
      norm,
      head: {
        weights: matrix.data,
        vocabMajor: lm.vocabMajor,
        vocab,
        hidden,
        ...(lm.softcap === undefined ? {} : { softcap: lm.softcap }),
        ...(lm.quantizesInput ? { quantizeInput: lm.quantizesInput } : {}),
      },
    };
    return this.lensParts;
  }

  /** The input embedding matrix [vocab, hidden] and each row's L2 norm (the anatomy has it). */
  embeddings(): { weights: Float32Array; norms: Float32Array } {
    if (this.embedding) return this.embedding;
    const { vocab: V, hidden: d } = this.model.dims;
    const table = this.matrix(this.anatomy.embedding as MatrixSource);
    if (table.rows !== V || table.cols !== d)
      throw new Error(`the embedding table is ${table.rows} x ${table.cols}, expected ${V} x ${d}`);
    const weights = table.data;
    const norms = new Float32Array(V);
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (weights[v * d + i] as number) ** 2;
      norms[v] = Math.sqrt(s) || 1;
    }
    this.embedding = { weights, norms };
    return this.embedding;
  }

  /** The cos/sin caches a fused attention layer rotates its queries with, if it uses rotary embeddings. */
  rotary(spec: FusedAttention): RotaryCaches | undefined {
    if (!spec.rotary) return undefined;
    const { cos, sin, interleaved } = spec.rotary;
    let caches = this.rotaryByCos.get(cos);
    if (!caches) {
      caches = {
        cos: this.floats(cos),
        sin: this.floats(sin),
        cols: this.initializer(cos).dims[1] as number,
        interleaved,
      };
      this.rotaryByCos.set(cos, caches);
    }
    return caches;
  }

  private matrix(source: MatrixSource): Matrix {
    return materialise(source, (name) => this.initializer(name), this.model.onnxPath);
  }

  private floats(name: string): Float32Array {
    return readFloats(this.initializer(name), this.model.onnxPath);
  }

  private initializer(name: string) {
    const t = this.graph.initializer.find((x) => x.name === name);
    if (!t) throw new Error(`initializer ${name} not found`);
    return t;
  }
}
