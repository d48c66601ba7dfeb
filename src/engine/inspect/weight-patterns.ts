// Recognises how a graph stores a weight matrix (float, DequantizeLinear, MatMulNBits, MatMulInteger, GatherBlockQuantized).
import { attr, type GraphIndex } from './graph-index';
import type { OnnxNode, OnnxTensor } from './onnx-proto';

/**
 * A 2-D weight as the file stores it, by initializer name, and how to turn it back into floats: rows x cols of the
 * stored tensor (for MatMulNBits and GatherBlockQuantized: [N, K], one row per output or per token).
 */
export type MatrixSource =
  /** Stored as is, or (`transposed`) as the transpose of the matrix meant, as tied weights often are. */
  | { kind: 'float'; tensor: string; transposed?: boolean }
  | {
      /** (data - zeroPoint) * scale, per tensor, per axis or per block (DequantizeLinear, dynamic quantization). */
      kind: 'linear';
      data: string;
      scale: string;
      zeroPoint: string | undefined;
      /** The axis scales vary along (per-axis and blocked); ignored for a single scale. */
      axis: number;
      /** 0: per tensor or per axis; else the block length along `axis`. */
      blockSize: number;
    }
  | {
      /** MatMulNBits / GatherBlockQuantized: rows of packed `bits`-bit values, one scale per block of a row. */
      kind: 'blocks';
      data: string;
      scales: string;
      zeroPoints: string | undefined;
      bits: number;
      blockSize: number;
      rows: number;
      cols: number;
    };

export type InputQuantization = { kind: 'tensor-uint8' } | { kind: 'block-int8'; blockSize: number };

export interface HeadPattern {
  matrix: MatrixSource;
  /** Stored [vocab, hidden] (true) or [hidden, vocab] (false). */
  vocabMajor: boolean;
  /** The tensor the head multiplies: the final norm's output. */
  input: string;
  /** Gemma 2's final soft-capping, cap * tanh(logits / cap), when the graph applies it. */
  softcap: number | undefined;
  /**
   * How the head rounds its input before multiplying: to uint8 with one scale for the whole tensor
   * (DynamicQuantizeLinear, dynamic quantization), or to int8 per block of the hidden size (MatMulNBits with
   * accuracy_level 4, ONNX Runtime's int8 compute).
   */
  quantizesInput?: InputQuantization;
}

/** DequantizeLinear(constant, constant[, constant]) as a linear source. */
function dequantizeLinear(ix: GraphIndex, node: OnnxNode | undefined): MatrixSource | undefined {
  if (node?.opType !== 'DequantizeLinear') return undefined;
  const [x, scale, zp] = node.input;
  const data = x ? ix.constant(x) : undefined;
  const s = scale ? ix.constant(scale) : undefined;
  if (!data || data.transposed || data.tensor.dims.length !== 2 || !s) return undefined;
  const z = zp ? ix.constant(zp) : undefined;
  return {
    kind: 'linear',
    data: data.tensor.name,
    scale: s.tensor.name,
    zeroPoint: z?.tensor.name,
    axis: attr(node, 'axis')?.i ?? 1,
    blockSize: attr(node, 'block_size')?.i ?? 0,
  };
}

/** A MatMul/Gemm right-hand side: a float constant or a DequantizeLinear of one. */
function rightHandSide(
  ix: GraphIndex,
  name: string,
): { matrix: MatrixSource; transposed: boolean } | undefined {
  const t = ix.trace(name);
  const tensor = ix.initializers.get(t.name);
  if (tensor) {
    return tensor.dims.length === 2
      ? { matrix: { kind: 'float', tensor: tensor.name }, transposed: t.transposed }
      : undefined;
  }
  const dq = dequantizeLinear(ix, ix.producer.get(t.name));
  return dq ? { matrix: dq, transposed: t.transposed } : undefined;
}

/** Gemma 2's cap * tanh(x / cap) around the head: returns x's name and the cap. */
function unwrapSoftcap(ix: GraphIndex, name: string): { inner: string; cap: number } | undefined {
  const mul = ix.producer.get(name);
  if (mul?.opType !== 'Mul') return undefined;
  const [a, b] = mul.input as [string, string];
  const capOut = ix.scalar(b) ?? ix.scalar(a);
  const tanh = ix.producer.get(ix.scalar(b) !== undefined ? a : b);
  if (capOut === undefined || tanh?.opType !== 'Tanh' || !tanh.input[0]) return undefined;
  const div = ix.producer.get(tanh.input[0]);
  if (!div || !div.input[0] || !div.input[1]) return undefined;
  const c = ix.scalar(div.input[1]);
  if (div.opType === 'Div' && c !== undefined && Math.abs(c - capOut) <= 1e-3 * capOut)
    return { inner: div.input[0], cap: capOut };
  if (div.opType === 'Mul' && c !== undefined && Math.abs(c * capOut - 1) <= 1e-3)
    return { inner: div.input[0], cap: capOut };
  return undefined;
}

/** The tensor a Slice (num_logits_to_keep's last rows) takes its rows from, or `name` itself. */
function throughSlice(ix: GraphIndex, name: string): string {
  const p = ix.producer.get(name);
  return p?.opType === 'Slice' && p.input[0] ? p.input[0] : name;
}

/** The LM head producing `logits`, in any of the forms exporters and quantizers write; a string says why not. */
export function findHead(ix: GraphIndex, logits: string): HeadPattern | string {
  let name = logits;
  let softcap: number | undefined;
  for (let hops = 0; hops < 6; hops++) {
    const p = ix.producer.get(name);
    if (p && (p.opType === 'Cast' || p.opType === 'Identity') && p.input[0]) {
      name = p.input[0];
      continue;
    }
    const capped = softcap === undefined ? unwrapSoftcap(ix, name) : undefined;
    if (capped) {
      softcap = capped.cap;
      name = capped.inner;
      continue;
    }
    break;
  }
  const head = ix.producer.get(name);
  if (!head) return 'the logits output is not computed by a node';
  const [sliced, w] = head.input;
  // a graph with num_logits_to_keep slices the head's input to its last rows; a full pass keeps them all
  const x = sliced === undefined ? undefined : throughSlice(ix, sliced);
  if ((head.opType === 'MatMul' || head.opType === 'Gemm') && x && w) {
    const rhs = rightHandSide(ix, w);
    if (!rhs) return `the LM head ${head.opType} multiplies by a weight that is not a constant`;
    const transB = attr(head, 'transB')?.i === 1;
    // MatMul(x, B) needs B as [hidden, vocab]; a crossed Transpose or Gemm transB means it is stored [vocab, hidden]
    return { matrix: rhs.matrix, vocabMajor: rhs.transposed !== transB, input: x, softcap };
  }
  if (head.opType === 'MatMulNBits' && x && w && head.input[2]) {
    const g = head.input[4];
    if (g) return 'the LM head MatMulNBits reorders its groups (g_idx), which the lens does not undo';
    const data = throughReshape(ix, w);
    const scales = throughReshape(ix, head.input[2]);
    const zeros = head.input[3] ? throughReshape(ix, head.input[3]) : undefined;
    if (!data || !scales || (head.input[3] && !zeros))
      return 'the LM head MatMulNBits takes weights that are not constants';
    const blockSize = attr(head, 'block_size')?.i ?? 32;
    return {
      ...(attr(head, 'accuracy_level')?.i === 4
        ? { quantizesInput: { kind: 'block-int8' as const, blockSize } }
        : {}),
      matrix: {
        kind: 'blocks',
        data: data.name,
        scales: scales.name,
        zeroPoints: zeros?.name,
        bits: attr(head, 'bits')?.i ?? 4,
        blockSize,
        rows: attr(head, 'N')?.i ?? 0,
        cols: attr(head, 'K')?.i ?? 0,
      },
      vocabMajor: true,
      input: x,
      softcap,
    };
  }
  const integer = matMulInteger(ix, head);
  if (integer) return { ...integer, softcap };
  return `the LM head is a ${head.opType} node, which the lens does not read`;
}

/**
 * Dynamic quantization's head: Mul(Cast(MatMulInteger(DynamicQuantizeLinear(x), Wq, xZp, wZp)), Mul(xScale, wScale)).
 */
function matMulInteger(ix: GraphIndex, mul: OnnxNode): Omit<HeadPattern, 'softcap'> | undefined {
  if (mul.opType !== 'Mul') return undefined;
  for (const [i, j] of [
    [0, 1],
    [1, 0],
  ] as const) {
    let cast = ix.producer.get(mul.input[i] ?? '');
    if (cast?.opType === 'Cast') cast = ix.producer.get(cast.input[0] ?? '');
    const mmi = cast;
    if (mmi?.opType !== 'MatMulInteger') continue;
    const scales = ix.producer.get(mul.input[j] ?? '');
    const [qx, wq, , wzp] = mmi.input;
    const dq = ix.producer.get(qx ?? '');
    const wScale =
      scales?.opType === 'Mul' ? scales.input.map((s) => ix.constant(s)).find(Boolean) : undefined;
    const data = wq ? ix.constant(wq) : undefined;
    if (
      dq?.opType !== 'DynamicQuantizeLinear' ||
      !dq.input[0] ||
      !wScale ||
      !data ||
      data.tensor.dims.length !== 2
    )
      return undefined;
    const zp = wzp ? ix.constant(wzp) : undefined;
    return {
      matrix: {
        kind: 'linear',
        data: data.tensor.name,
        scale: wScale.tensor.name,
        zeroPoint: zp?.tensor.name,
        axis: 1,
        blockSize: 0,
      },
      vocabMajor: data.transposed,
      input: dq.input[0],
      quantizesInput: { kind: 'tensor-uint8' },
    };
  }
  return undefined;
}

/** The initializer behind `name`, through Reshape (which keeps the values' order) and Cast/Identity. */
function throughReshape(ix: GraphIndex, name: string): OnnxTensor | undefined {
  return ix.initializers.get(ix.trace(name, ['Reshape', 'Cast', 'Identity']).name);
}

export interface EmbeddingPattern {
  matrix: MatrixSource;
  /** The float embedding output, after dequantization and any constant scaling (Gemma's sqrt(hidden)). */
  output: string;
}

/** The token embedding lookup on `input_ids`: a Gather (on floats or quantized bytes) or a GatherBlockQuantized. */
export function findEmbedding(ix: GraphIndex): EmbeddingPattern | undefined {
  for (const n of ix.graph.node) {
    if (
      (n.opType !== 'Gather' && n.opType !== 'GatherBlockQuantized') ||
      !n.input[0] ||
      !n.input[1] ||
      !n.output[0]
    )
      continue;
    let src = n.input[1];
    for (let hops = 0; hops < 3 && src !== 'input_ids'; hops++) {
      const p = ix.producer.get(src);
      if (!p || !['Cast', 'Identity'].includes(p.opType) || !p.input[0]) break;
      src = p.input[0];
    }
    if (src !== 'input_ids') continue;
    let matrix: MatrixSource | undefined;
    let output = n.output[0];
    const table = ix.constant(n.input[0]);
    if (n.opType === 'GatherBlockQuantized') {
      // the builder's tied embeddings gather from the LM head's own MatMulNBits weight, reshaped to [rows, bytes]
      const data = throughReshape(ix, n.input[0]);
      const scales = throughReshape(ix, n.input[2] ?? '');
      const zeros = n.input[3] ? throughReshape(ix, n.input[3]) : undefined;
      if (!data || !scales || (n.input[3] && !zeros)) continue;
      const bits = attr(n, 'bits')?.i ?? 4;
      const rows = data.dims[0] as number;
      const stored = data.dims.reduce((a, b) => a * b, 1) / rows;
      const packed = data.dataType === 2 && bits < 8; // uint8 bytes holding 8/bits values each
      matrix = {
        kind: 'blocks',
        data: data.name,
        scales: scales.name,
        zeroPoints: zeros?.name,
        bits,
        blockSize: attr(n, 'block_size')?.i ?? 128,
        rows,
        cols: packed ? (stored * 8) / bits : stored,
      };
    } else if (table && table.tensor.dims.length === 2) {
      const next = ix.soleConsumer(output);
      if (table.tensor.dataType === 1 || table.tensor.dataType === 10 || table.tensor.dataType === 16) {
        matrix = { kind: 'float', tensor: table.tensor.name, transposed: table.transposed };
      } else if (!table.transposed && next?.opType === 'DequantizeLinear' && next.output[0]) {
        // dynamic quantization gathers bytes, then dequantizes the gathered rows with the table's scale
        const s = next.input[1] ? ix.constant(next.input[1]) : undefined;
        const z = next.input[2] ? ix.constant(next.input[2]) : undefined;
        if (!s) continue;
        matrix = {
          kind: 'linear',
          data: table.tensor.name,
          scale: s.tensor.name,
          zeroPoint: z?.tensor.name,
          axis: 1,
          blockSize: 0,
        };
        output = next.output[0];
      }
    } else {
      const dq = dequantizeLinear(ix, ix.producer.get(n.input[0]));
      if (dq) matrix = dq;
    }
    if (!matrix) continue;
    // Gemma scales the embeddings by sqrt(hidden) before the first layer: the residual stream starts after that
    for (let hops = 0; hops < 3; hops++) {
      const next = ix.soleConsumer(output);
      if (!next?.output[0]) break;
      const scaled =
        next.opType === 'Mul' && next.input.some((i) => i !== output && ix.scalar(i) !== undefined);
      if (!scaled && next.opType !== 'Cast') break;
      output = next.output[0];
    }
    return { matrix, output };
  }
  return undefined;
}
