// Finds what the inspector needs inside a decoder graph: per-layer attention Softmax, residual stream, LM head.
import { GraphIndex } from './graph-index';
import type { OnnxGraph, OnnxTensor } from './onnx-proto';
import { findEmbedding, findHead, type HeadPattern, type MatrixSource } from './weight-patterns';

/** A fused GroupQueryAttention node whose probabilities are replayed from its query and cached keys. */
export interface FusedAttention {
  /**
   * Query input [batch, seq, heads * headDim], before rotary when the op applies it; with packed QKV (no separate
   * key input) [batch, seq, (heads + 2 * kvHeads) * headDim], queries first.
   */
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

/** A point of the residual stream: one tensor, or tensors whose sum it is. */
export type ResidualLink = string | string[];

/** The norm between the last residual and the LM head; kind and epsilon when a fused norm node states them. */
export interface FinalNormSpec {
  scale: string;
  bias?: string;
  kind?: 'rms' | 'layer';
  eps?: number;
}

/** Where each inspectable quantity lives in the graph; a missing part says why it is missing. */
export interface DecoderAnatomy {
  /** Where each layer's attention probabilities come from, in layer order. */
  attention: AttentionSource;
  /**
   * Residual stream after the embeddings (index 0) and after each layer (1..layers): a tensor, or tensors to add up
   * where the graph never materialises the sum (the last fused Skip norm of ONNX Runtime's builder has no sum output).
   */
  residual: ResidualLink[] | { unavailable: string };
  /** The LM head: its weight as stored (maybe quantized), orientation, input and any soft-capping. */
  lmHead: HeadPattern | { unavailable: string };
  /** Parameters of the final norm between the last residual and the LM head, by role. */
  finalNorm: FinalNormSpec | { unavailable: string };
  /** The input embedding matrix [vocab, hidden], as stored (maybe quantized). */
  embedding: MatrixSource | { unavailable: string };
}

export function isAvailable<T>(x: T | { unavailable: string }): x is T {
  return !(typeof x === 'object' && x !== null && 'unavailable' in x);
}

/**
 * A merged decoder (decoder_model_merged.onnx) keeps every layer inside the two subgraphs of an If node, whose
 * tensors cannot be promoted to graph outputs.
 */
const MERGED =
  'the layers are inside If subgraphs (a merged decoder, decoder_model_merged.onnx, switching on use_cache_branch), ' +
  'whose tensors cannot be read out; a model.onnx export of the same model has every view';

function hasSubgraphs(graph: OnnxGraph): boolean {
  return graph.node.some((n) => n.opType === 'If' || n.opType === 'Loop');
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
  if (hasSubgraphs(ix.graph)) return { unavailable: MERGED };
  return { unavailable: `found ${softmax.length} Softmax nodes for ${layers} layers` };
}

/**
 * The residual stream is the chain of additions each of which consumes the previous link directly (or through casts
 * that change nothing): Add nodes, or the fused Skip(Simplified)LayerNormalization nodes of ONNX Runtime's builder,
 * whose fourth output is the sum. A Skip norm without that output ends the chain with the pair it adds.
 */
function residualChain(ix: GraphIndex, start: string): ResidualLink[] {
  const chain: ResidualLink[] = [start];
  for (let cur = start; ;) {
    const names = ix.aliases(cur);
    const sums = names.flatMap((name) =>
      ix.readers(name).flatMap((n): ResidualLink[] => {
        if (n.opType === 'Add' && n.output[0]) return [n.output[0]];
        if (/^Skip(Simplified)?LayerNormalization$/.test(n.opType) && n.input[0] && n.input[1])
          return [n.output[3] || [n.input[0], n.input[1]]];
        return [];
      }),
    );
    if (sums.length !== 1) return chain;
    const next = sums[0] as ResidualLink;
    chain.push(next);
    if (Array.isArray(next)) return chain;
    cur = next;
  }
}

export function analyseDecoder(graph: OnnxGraph, dims: { layers: number; hidden: number }): DecoderAnatomy {
  const ix = new GraphIndex(graph);
  const noLookup = hasSubgraphs(graph)
    ? MERGED
    : 'no embedding lookup on input_ids found (a Gather of a constant table, maybe quantized)';
  const anatomy: DecoderAnatomy = {
    attention: findAttention(ix, dims.layers),
    residual: { unavailable: noLookup },
    lmHead: { unavailable: 'the graph has no logits output' },
    finalNorm: { unavailable: 'no final norm found between the last layer and the LM head' },
    embedding: { unavailable: noLookup },
  };
  const head = findHead(ix, 'logits');
  anatomy.lmHead = typeof head === 'string' ? { unavailable: head } : head;
  const lookup = findEmbedding(ix);
  if (!lookup) return anatomy;
  anatomy.embedding = lookup.matrix;

  const chain = residualChain(ix, lookup.output);
  // GPT-2 style graphs add learned positions to the token embedding first: one more Add before layer 0
  const extra = chain.length - 1 - 2 * dims.layers;
  if (extra === 0 || extra === 1) {
    anatomy.residual = [chain[extra] as string, ...chain.slice(extra + 2).filter((_, i) => i % 2 === 0)];
  } else {
    const end = chain.at(-1);
    const last = typeof end === 'string' ? ix.producer.get(end) : undefined;
    const readers = typeof end === 'string' ? ix.aliases(end).flatMap((a) => ix.readers(a)) : [];
    anatomy.residual = {
      unavailable:
        `the residual stream from the embeddings has ${chain.length - 1} additions, expected ${2 * dims.layers} ` +
        `(two per layer); it ends at ${last ? `a ${last.opType} node` : 'the embeddings'} read by ` +
        `${readers.map((n) => n.opType).join(', ') || 'nothing'}`,
    };
  }
  if (typeof head !== 'string' && isAvailable(anatomy.residual)) {
    anatomy.finalNorm = findNorm(ix, anatomy.residual[dims.layers] as ResidualLink, head.input, dims.hidden);
  }
  return anatomy;
}

/** Walks back from the LM head input to the last residual; the [hidden]-sized constants on the way are the norm's. */
function findNorm(
  ix: GraphIndex,
  from: ResidualLink,
  to: string,
  hidden: number,
): DecoderAnatomy['finalNorm'] {
  const sum = Array.isArray(from) ? from : [];
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
    const fused = /^(Skip)?(Simplified)?LayerNormalization$/.exec(node.opType);
    if (fused && node.output[0] === name) {
      // a fused norm names its own parameters; a Skip* one also sums its inputs into the last residual stream
      const skip = fused[1] !== undefined;
      const gamma = ix.constant(node.input[skip ? 2 : 1] ?? '');
      const beta = ix.constant(node.input[skip ? 3 : 2] ?? '');
      if (!gamma) return { unavailable: `the final ${node.opType} has no constant scale` };
      const sums = node.output[3] ? node.output[3] === from : sum.every((x, i) => node.input[i] === x);
      if (skip && !sums)
        return { unavailable: `the final ${node.opType} does not sum the last layer's residual stream` };
      return {
        scale: gamma.tensor.name,
        ...(beta ? { bias: beta.tensor.name } : {}),
        kind: fused[2] ? 'rms' : 'layer',
        eps: node.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-5,
      };
    }
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

/** The intermediate tensors an inspection fetches from its pass: attention (or the queries to replay it) and the residual stream. */
export function inspectionOutputs(anatomy: DecoderAnatomy): string[] {
  const att = anatomy.attention;
  return [
    ...('kind' in att ? (att.kind === 'softmax' ? att.outputs : att.layers.map((l) => l.query)) : []),
    ...(isAvailable(anatomy.residual) ? anatomy.residual.flat() : []),
  ];
}
