// The graph the engine's session runs: the model's own, weights referenced in place, plus last-row logits and CPU int8 compute.
import { GraphIndex } from '../inspect/graph-index';
import { decodeGraph, graphFields, type OnnxGraph } from '../inspect/onnx-proto';
import { findHead } from '../inspect/weight-patterns';
import { LOGITS_TO_KEEP } from './graph-check';
import { rewriteModelBytes, rewriteModelFile, type NodeEdit } from './onnx-wire';

/** The input the edit adds, read as Transformers/Optimum exports read theirs: 0 keeps every position. */
const ADDED_KEEP_INPUT = 'num_logits_to_keep';
const SLICED = 'glassbox/logits_rows';
const INT64 = 7;

/**
 * How MatMulNBits computes on the CPU: 0 (the model's own; float activations) or 4 (activations rounded to int8 per
 * block, ONNX Runtime's fastest CPU path: "cpuFastMath").
 */
export type CpuAccuracy = 'model' | 'int8';

export interface RunGraph {
  /** The graph to give ONNX Runtime, with `externalDataFolder` as the folder its weight references resolve against. */
  bytes: Uint8Array;
  externalDataFolder: string;
  graph: OnnxGraph;
  /** Whether the graph was given a num_logits_to_keep input in front of its LM head (it had none). */
  addedLogitsToKeep: boolean;
  /** MatMulNBits nodes whose accuracy_level was set to 4. */
  int8Nodes: number;
}

/** Why the LM head cannot be fed only its last rows, or the head node and the tensor it multiplies. */
function headNode(graph: OnnxGraph): { index: number; input: string } | string {
  if (graph.input.some((i) => LOGITS_TO_KEEP.includes(i.name)))
    return 'the graph already takes num_logits_to_keep';
  const ix = new GraphIndex(graph);
  const head = findHead(ix, 'logits');
  if (typeof head === 'string') return head;
  // a head that rounds its input over the whole sequence (dynamic quantization) would round a last row differently
  if (head.quantizesInput?.kind === 'tensor-uint8')
    return 'the LM head quantizes its input over every position';
  const node = (ix.consumers.get(head.input) ?? []).find(
    (n) => n.opType === 'MatMul' || n.opType === 'MatMulNBits',
  );
  if (!node) return 'the LM head is not a MatMul';
  return { index: graph.node.indexOf(node), input: head.input };
}

/** int64 values as TensorProto raw data. */
function int64Raw(...values: bigint[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values).buffer);
}

/**
 * Builds the run graphs of `onnxPath`: one for any provider and one for the CPU (the same unless `cpuAccuracy` is
 * 'int8' and the graph has MatMulNBits nodes). Large weights stay in their files (the model's own file for a
 * self-contained model), so this reads only the graph. A graph without num_logits_to_keep gets one, slicing the LM
 * head's input to the last rows: a 512-token prompt then makes one row of logits instead of 512 x vocab.
 */
export function buildRunGraphs(
  onnxPath: string,
  options: { cpuAccuracy?: CpuAccuracy } = {},
): { any: RunGraph; cpu: RunGraph } {
  const { bytes: base, folder } = rewriteModelFile(onnxPath);
  const graph = decodeGraph(base);
  const head = headNode(graph);
  const headEdit = new Map<number, NodeEdit>();
  let append: Uint8Array | undefined;
  if (typeof head !== 'string') {
    headEdit.set(head.index, { input: { index: 0, name: SLICED } });
    append = graphFields({
      input: [{ name: ADDED_KEEP_INPUT, elemType: INT64, dims: [1] }],
      initializer: [
        { name: 'glassbox/rows_end', dims: [1], dataType: INT64, rawData: int64Raw(2n ** 63n - 1n) },
        { name: 'glassbox/rows_axis', dims: [1], dataType: INT64, rawData: int64Raw(1n) },
      ],
      node: [
        {
          name: 'glassbox/rows_start',
          opType: 'Neg',
          input: [ADDED_KEEP_INPUT],
          output: ['glassbox/rows_start'],
        },
        {
          name: 'glassbox/logits_rows',
          opType: 'Slice',
          input: [head.input, 'glassbox/rows_start', 'glassbox/rows_end', 'glassbox/rows_axis'],
          output: [SLICED],
        },
      ],
    });
  }
  const variant = (nodes: Map<number, NodeEdit>, int8Nodes: number): RunGraph => {
    const bytes =
      nodes.size > 0 || append ? rewriteModelBytes(base, { nodes, ...(append ? { append } : {}) }) : base;
    return {
      bytes,
      externalDataFolder: folder,
      graph: bytes === base ? graph : decodeGraph(bytes),
      addedLogitsToKeep: append !== undefined,
      int8Nodes,
    };
  };
  const any = variant(headEdit, 0);
  const nbits = graph.node.flatMap((n, i) => (n.opType === 'MatMulNBits' ? [i] : []));
  if (options.cpuAccuracy !== 'int8' || nbits.length === 0) return { any, cpu: any };
  const int8 = new Map(headEdit);
  for (const i of nbits) int8.set(i, { ...int8.get(i), intAttribute: { name: 'accuracy_level', value: 4 } });
  return { any, cpu: variant(int8, nbits.length) };
}
