// Finds what the inspector needs inside a decoder graph: per-layer attention Softmax, residual stream, LM head.
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnx-proto';

/** Where each inspectable quantity lives in the graph; a missing part says why it is missing. */
/** A fused GroupQueryAttention node whose probabilities are replayed from its query and cached keys. */
export interface FusedAttention {
  /** Query input [batch, seq, heads * headDim], before rotary when the op applies it. */
  query: string;
  /** Key cache output [batch, kvHeads, total, headDim], rotary already applied. */
  presentKey: string;
  heads: number;
  kvHeads: number;
  scale: number | undefined;
  /** Rotary caches [maxPositions, rotaryDim / 2] when the op rotates the query itself. */
  rotary: { cos: string; sin: string; interleaved: boolean } | undefined;
}

export type AttentionSource =
  | { kind: 'softmax'; outputs: string[] }
  | { kind: 'replay'; layers: FusedAttention[] }
  | { unavailable: string };

export interface DecoderAnatomy {
  /** Where each layer's attention probabilities come from, in layer order. */
  attention: AttentionSource;
  /** Residual stream after the embeddings (index 0) and after each layer (1..layers). */
  residual: string[] | { unavailable: string };
  /** The LM head: matrix initializer, and whether it is stored [vocab, hidden] (true) or [hidden, vocab]. */
  lmHead: { initializer: string; vocabMajor: boolean } | { unavailable: string };
  /** Parameters of the final norm between the last residual and the LM head, by role. */
  finalNorm: { scale: string; bias?: string } | { unavailable: string };
  /** The input embedding matrix [vocab, hidden]. */
  embedding: string | { unavailable: string };
}

export function isAvailable<T>(x: T | { unavailable: string }): x is T {
  return !(typeof x === 'object' && x !== null && 'unavailable' in x);
}

class GraphIndex {
  readonly producer = new Map<string, OnnxNode>();
  readonly consumers = new Map<string, OnnxNode[]>();
  readonly initializers = new Map<string, OnnxTensor>();

  constructor(readonly graph: OnnxGraph) {
    for (const t of graph.initializer) this.initializers.set(t.name, t);
    for (const n of graph.node) {
      for (const o of n.output) this.producer.set(o, n);
      for (const i of n.input) {
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }

  /** Follows Cast/Identity/Transpose back to an initializer, noting whether a Transpose was crossed. */
  constant(name: string): { tensor: OnnxTensor; transposed: boolean } | undefined {
    let transposed = false;
    for (let hops = 0; hops < 4; hops++) {
      const t = this.initializers.get(name);
      if (t) return { tensor: t, transposed };
      const p = this.producer.get(name);
      if (!p || !['Cast', 'Identity', 'Transpose'].includes(p.opType) || !p.input[0]) return undefined;
      if (p.opType === 'Transpose') transposed = !transposed;
      name = p.input[0];
    }
    return undefined;
  }
}

function findAttention(ix: GraphIndex, layers: number): DecoderAnatomy['attention'] {
  const softmax = ix.graph.node.filter((n) => n.opType === 'Softmax' && n.output[0]);
  if (softmax.length === layers)
    return { kind: 'softmax', outputs: softmax.map((n) => n.output[0] as string) };
  const gqa = ix.graph.node.filter((n) => n.opType === 'GroupQueryAttention');
  if (gqa.length === layers && softmax.length === 0) {
    const specs = gqa.map((n): FusedAttention | string => {
      const attr = (name: string) => n.attribute.find((a) => a.name === name);
      if (!n.input[0] || !n.output[1]) return `${n.name} lacks a query input or a present key output`;
      if (n.input[1] === '' || n.input[1] === undefined)
        return `${n.name} takes packed QKV, which is not replayed`;
      const doRotary = attr('do_rotary')?.i === 1;
      const cos = n.input[7];
      const sin = n.input[8];
      if (doRotary && (!cos || !sin || !ix.constant(cos) || !ix.constant(sin))) {
        return `${n.name} rotates with caches that are not constants`;
      }
      if ((attr('local_window_size')?.i ?? -1) >= 0) return `${n.name} uses a sliding window`;
      if (attr('softcap')?.f) return `${n.name} uses softcap`;
      return {
        query: n.input[0],
        presentKey: n.output[1],
        heads: attr('num_heads')?.i ?? 0,
        kvHeads: attr('kv_num_heads')?.i ?? 0,
        scale: attr('scale')?.f || undefined,
        rotary: doRotary
          ? {
              cos: (ix.constant(cos as string) as { tensor: OnnxTensor }).tensor.name,
              sin: (ix.constant(sin as string) as { tensor: OnnxTensor }).tensor.name,
              interleaved: attr('rotary_interleaved')?.i === 1,
            }
          : undefined,
      };
    });
    const problem = specs.find((x): x is string => typeof x === 'string');
    if (problem) return { unavailable: `attention cannot be replayed: ${problem}` };
    return { kind: 'replay', layers: specs as FusedAttention[] };
  }
  const fused = ix.graph.node.find((n) =>
    ['GroupQueryAttention', 'MultiHeadAttention', 'Attention', 'PackedMultiHeadAttention'].includes(n.opType),
  );
  if (fused) return { unavailable: `attention is computed inside fused ${fused.opType} nodes` };
  const subgraphs = ix.graph.node.some((n) => n.opType === 'If' || n.opType === 'Loop');
  return {
    unavailable:
      `found ${softmax.length} Softmax nodes for ${layers} layers` +
      (subgraphs ? ' (the graph keeps its layers inside If/Loop subgraphs, e.g. a merged decoder)' : ''),
  };
}

function findEmbedding(ix: GraphIndex): OnnxNode | undefined {
  return ix.graph.node.find((n) => {
    if (n.opType !== 'Gather' || !n.input[0] || !n.input[1]) return false;
    let src = n.input[1];
    for (let hops = 0; hops < 3 && src !== 'input_ids'; hops++) {
      const p = ix.producer.get(src);
      if (!p || !['Cast', 'Identity'].includes(p.opType) || !p.input[0]) break;
      src = p.input[0];
    }
    const table = ix.initializers.get(n.input[0]);
    return src === 'input_ids' && table?.dims.length === 2;
  });
}

/** The residual stream is the chain of Add nodes each of which consumes the previous link directly. */
function residualChain(ix: GraphIndex, start: string): string[] {
  const chain = [start];
  for (let cur = start; ;) {
    const adds = (ix.consumers.get(cur) ?? []).filter((n) => n.opType === 'Add' && n.output[0]);
    if (adds.length !== 1) return chain;
    cur = adds[0]?.output[0] as string;
    chain.push(cur);
  }
}

export function analyseDecoder(graph: OnnxGraph, dims: { layers: number; hidden: number }): DecoderAnatomy {
  const ix = new GraphIndex(graph);
  const anatomy: DecoderAnatomy = {
    attention: findAttention(ix, dims.layers),
    residual: { unavailable: 'no embedding lookup on input_ids found' },
    lmHead: { unavailable: 'the logits output is not a MatMul/Gemm with a constant weight' },
    finalNorm: { unavailable: 'no final norm found between the last layer and the LM head' },
    embedding: { unavailable: 'no embedding lookup on input_ids found' },
  };
  const gather = findEmbedding(ix);
  if (!gather?.output[0] || !gather.input[0]) return anatomy;
  anatomy.embedding = gather.input[0];

  const chain = residualChain(ix, gather.output[0]);
  // GPT-2 style graphs add learned positions to the token embedding first: one more Add before layer 0
  const extra = chain.length - 1 - 2 * dims.layers;
  if (extra === 0 || extra === 1) {
    anatomy.residual = [chain[extra] as string, ...chain.slice(extra + 2).filter((_, i) => i % 2 === 0)];
  } else {
    anatomy.residual = {
      unavailable: `the residual stream has ${chain.length - 1} additions, expected ${2 * dims.layers}`,
    };
  }

  const head = ix.producer.get('logits');
  if (head && (head.opType === 'MatMul' || head.opType === 'Gemm') && head.input[0] && head.input[1]) {
    const w = ix.constant(head.input[1]);
    const gemmTransB = head.attribute.find((a) => a.name === 'transB')?.i === 1;
    if (w && w.tensor.dims.length === 2) {
      // MatMul(x, B) needs B as [hidden, vocab]; a crossed Transpose or Gemm transB means it is stored [vocab, hidden]
      anatomy.lmHead = { initializer: w.tensor.name, vocabMajor: w.transposed !== gemmTransB };
    }
    if (isAvailable(anatomy.residual)) {
      anatomy.finalNorm = findNorm(ix, anatomy.residual[dims.layers] as string, head.input[0], dims.hidden);
    }
  }
  return anatomy;
}

/** Walks back from the LM head input to the last residual; the [hidden]-sized constants on the way are the norm's. */
function findNorm(ix: GraphIndex, from: string, to: string, hidden: number): DecoderAnatomy['finalNorm'] {
  const scale: string[] = [];
  const bias: string[] = [];
  const seen = new Set<string>();
  const stack = [to];
  while (stack.length) {
    const name = stack.pop() as string;
    if (name === from || seen.has(name)) continue;
    seen.add(name);
    const node = ix.producer.get(name);
    if (!node) continue;
    node.input.forEach((input, k) => {
      const c = ix.constant(input);
      if (c && c.tensor.dims.length === 1 && c.tensor.dims[0] === hidden) {
        const isBias = node.opType === 'Add' || (node.opType.endsWith('LayerNormalization') && k === 2);
        (isBias ? bias : scale).push(c.tensor.name);
      } else if (!c) {
        stack.push(input);
      }
    });
    if (seen.size > 64) return { unavailable: 'the final norm spans too many nodes to be recognised' };
  }
  if (scale.length !== 1 || bias.length > 1) {
    return {
      unavailable: `expected one norm scale (and at most one bias), found ${scale.length} and ${bias.length}`,
    };
  }
  return bias[0] ? { scale: scale[0] as string, bias: bias[0] } : { scale: scale[0] as string };
}
