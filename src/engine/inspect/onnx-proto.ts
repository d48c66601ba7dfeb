// The part of the ONNX protobuf schema the inspector reads (graph nodes, value infos, initializers), via protobufjs.
import * as protobuf from 'protobufjs';

// Field numbers from onnx/onnx.proto (IR version 10). Fields not listed are skipped when decoding, which is fine:
// the inspector only reads the graph and never re-encodes a decoded model (see graph-edit.ts); encodeModel writes
// small models of its own.
const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            int32Data: { rule: 'repeated', type: 'int32', id: 5 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: {
          fields: { tensorType: { type: 'TensorTypeProto', id: 1 } },
        },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelProto = root.lookupType('onnx.ModelProto');
const GraphProto = root.lookupType('onnx.GraphProto');

export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  ints?: number[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: OnnxAttribute[];
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData: number[];
  /** int8/uint8/int16/int32/float16 values when not stored raw. */
  int32Data: number[];
  externalData: { key: string; value: string }[];
  dataLocation?: number;
}

export interface OnnxGraph {
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: { name: string }[];
  output: { name: string }[];
}

/** Decodes a model file's graph. int64 fields become JS numbers (dims and attributes fit). */
export function decodeGraph(bytes: Uint8Array): OnnxGraph {
  const message = ModelProto.decode(bytes);
  const model = ModelProto.toObject(message, {
    longs: Number,
    bytes: Uint8Array,
    defaults: true,
    arrays: true,
  }) as {
    graph?: OnnxGraph;
  };
  if (!model.graph) throw new Error('the ONNX file has no graph');
  return model.graph;
}

/**
 * Serialized bytes that, appended to a ModelProto, add outputs to its graph. Protobuf merges a repeated
 * occurrence of an embedded message field (ModelProto.graph) into the first one and concatenates its repeated
 * fields, so the original model bytes, weights included, are never decoded and re-encoded. The outputs carry no
 * type: ONNX Runtime takes each one's from the node that makes it (float32, float16, ... as the model has it).
 */
export function graphOutputsAppendix(names: readonly string[]): Uint8Array {
  const graph = GraphProto.encode(
    GraphProto.fromObject({
      output: names.map((name) => ({ name })),
    }),
  ).finish();
  const writer = protobuf.Writer.create();
  writer.uint32((7 << 3) | 2).bytes(graph); // field 7 (graph), wire type 2 (length-delimited)
  return writer.finish();
}

/** What graphFields can add to a graph: nodes, initializers (raw data), inputs with a tensor type and shape. */
export interface GraphAdditions {
  node?: { input: string[]; output: string[]; name: string; opType: string; domain?: string }[];
  initializer?: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
  input?: { name: string; elemType: number; dims: number[] }[];
}

/** GraphProto field bytes for `additions`, to append inside a graph (see onnx-wire.ts). */
export function graphFields(additions: GraphAdditions): Uint8Array {
  return GraphProto.encode(
    GraphProto.fromObject({
      node: additions.node ?? [],
      initializer: additions.initializer ?? [],
      input: (additions.input ?? []).map(({ name, elemType, dims }) => ({
        name,
        type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
      })),
    }),
  ).finish();
}

/** A tensor's type in encodeModel: element type (TensorProto.DataType) and dims, a string naming a dynamic one. */
export interface ValueSpec {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

/** What encodeModel writes: a whole model of a few nodes, no weights but small initializers. */
export interface ModelSpec {
  opset: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
  nodes: {
    opType: string;
    input: string[];
    output: string[];
    /** int attributes (AttributeProto.INT). */
    ints?: Record<string, number>;
  }[];
}

const ATTRIBUTE_INT = 2;

/** A model file's bytes for `spec` (IR version 8, the default ONNX domain at `spec.opset`). */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const value = ({ name, elemType, dims }: ValueSpec) => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });
  return ModelProto.encode(
    ModelProto.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: '', version: spec.opset }],
      graph: {
        name: 'glassbox',
        node: spec.nodes.map((n, i) => ({
          name: `${n.opType}_${i}`,
          opType: n.opType,
          input: n.input,
          output: n.output,
          attribute: Object.entries(n.ints ?? {}).map(([name, i]) => ({ name, i, type: ATTRIBUTE_INT })),
        })),
        initializer: spec.initializers,
        input: spec.inputs.map(value),
        output: spec.outputs.map(value),
      },
    }),
  ).finish();
}
