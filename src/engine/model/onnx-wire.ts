// Rewrites an ONNX model at the protobuf wire level: weights moved out by reference, nodes edited, graph fields added.
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, sep } from 'node:path';

/** ModelProto.graph, GraphProto.node/initializer, TensorProto.raw_data/external_data/data_location (onnx.proto). */
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const NODE_INPUT = 1;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_NAME = 1;

/** Raw weights at least this long are left in the source file and referenced from the rewritten graph. */
export const EXTERNALISE_BYTES = 1024;

/** Random access to the bytes of a model: a file read in windows, or bytes already in memory. */
interface ByteSource {
  size: number;
  read(offset: number, length: number): Buffer;
}

function memorySource(bytes: Uint8Array): ByteSource {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { size: buf.length, read: (offset, length) => buf.subarray(offset, offset + length) };
}

/** A file read through a 64 KiB window, so walking a 1 GB model's fields reads only its small fields. */
class FileSource implements ByteSource {
  readonly size: number;
  private window = Buffer.alloc(0);
  private windowAt = 0;
  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }
  read(offset: number, length: number): Buffer {
    if (offset < this.windowAt || offset + length > this.windowAt + this.window.length) {
      const want = Math.min(Math.max(length, 64 << 10), this.size - offset);
      const buf = Buffer.alloc(want);
      let done = 0;
      while (done < want) {
        const n = readSync(this.fd, buf, done, want - done, offset + done);
        if (n === 0) throw new Error(`the ONNX file ends at ${offset + done}, inside a field`);
        done += n;
      }
      this.window = buf;
      this.windowAt = offset;
    }
    const at = offset - this.windowAt;
    return Buffer.from(this.window.subarray(at, at + length)); // a copy: the window is replaced on the next miss
  }
}

interface Field {
  field: number;
  wire: number;
  /** Where the field's tag starts and the whole field ends. */
  start: number;
  end: number;
  /** Length-delimited fields: where the payload starts. */
  payload: number;
}

function readVarint(src: ByteSource, at: number): { value: number; next: number } {
  const bytes = src.read(at, Math.min(10, src.size - at));
  let value = 0;
  let scale = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return { value, next: at + i + 1 };
  }
  throw new Error(`a malformed varint at byte ${at} of the ONNX file`);
}

/** The fields of the message in [from, to), in order. */
function* fields(src: ByteSource, from: number, to: number): Generator<Field> {
  let at = from;
  while (at < to) {
    const tag = readVarint(src, at);
    const field = Math.floor(tag.value / 8);
    const wire = tag.value & 7;
    let end: number;
    let payload = tag.next;
    if (wire === 0) end = readVarint(src, tag.next).next;
    else if (wire === 1) end = tag.next + 8;
    else if (wire === 5) end = tag.next + 4;
    else if (wire === 2) {
      const len = readVarint(src, tag.next);
      payload = len.next;
      end = len.next + len.value;
    } else throw new Error(`wire type ${wire} at byte ${at} of the ONNX file is not one ONNX writes`);
    if (end > to) throw new Error(`a field at byte ${at} of the ONNX file runs past its message`);
    yield { field, wire, start: at, end, payload };
    at = end;
  }
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(field * 8 + 2), varint(payload.length), payload]);
}

function stringField(field: number, text: string): Buffer {
  return lengthDelimited(field, Buffer.from(text, 'utf8'));
}

/** StringStringEntryProto {key, value} as TensorProto.external_data. */
function externalEntry(key: string, value: string): Buffer {
  return lengthDelimited(TENSOR_EXTERNAL_DATA, Buffer.concat([stringField(1, key), stringField(2, value)]));
}

/** A node as the rewrite sees it: its bytes, and helpers to change inputs or attributes without decoding the rest. */
export interface NodeEdit {
  /** Replaces input `index` (0-based) with `name`. */
  input?: { index: number; name: string };
  /** Sets an integer attribute (replacing one of the same name). */
  intAttribute?: { name: string; value: number };
}

function editNode(src: ByteSource, from: number, to: number, edit: NodeEdit): Buffer {
  const parts: Buffer[] = [];
  let inputIndex = 0;
  for (const f of fields(src, from, to)) {
    if (f.field === NODE_INPUT && f.wire === 2) {
      const i = inputIndex++;
      if (edit.input && i === edit.input.index) {
        parts.push(stringField(NODE_INPUT, edit.input.name));
        continue;
      }
    }
    if (f.field === NODE_ATTRIBUTE && f.wire === 2 && edit.intAttribute) {
      const name = [...fields(src, f.payload, f.end)].find((a) => a.field === ATTRIBUTE_NAME && a.wire === 2);
      if (name && src.read(name.payload, name.end - name.payload).toString('utf8') === edit.intAttribute.name)
        continue;
    }
    parts.push(src.read(f.start, f.end - f.start));
  }
  if (edit.intAttribute) {
    const { name, value } = edit.intAttribute;
    // AttributeProto {name = 1, i = 3, type = 20 (INT = 2)}
    const attribute = Buffer.concat([
      stringField(ATTRIBUTE_NAME, name),
      varint(3 * 8),
      varint(value),
      varint(20 * 8),
      varint(2),
    ]);
    parts.push(lengthDelimited(NODE_ATTRIBUTE, attribute));
  }
  return Buffer.concat(parts);
}

/** Where weights go: large raw data into references to `file`; existing references' locations through `relocate`. */
interface Placement {
  file: string;
  relocate: (location: string) => string;
}

/**
 * An initializer rewritten for `place`: raw data of at least EXTERNALISE_BYTES becomes a reference to its bytes where
 * they lie in the source file, an external reference gets its location relocated; undefined when it stays as it is.
 */
function placed(src: ByteSource, from: number, to: number, place: Placement): Buffer | undefined {
  const all = [...fields(src, from, to)];
  const entries = all.filter((f) => f.field === TENSOR_EXTERNAL_DATA && f.wire === 2);
  if (entries.length > 0) {
    let changed = false;
    const parts = all.map((f) => {
      const whole = src.read(f.start, f.end - f.start);
      if (f.field !== TENSOR_EXTERNAL_DATA || f.wire !== 2) return whole;
      const kv = [...fields(src, f.payload, f.end)];
      const text = (n: number) => {
        const x = kv.find((e) => e.field === n && e.wire === 2);
        return x ? src.read(x.payload, x.end - x.payload).toString('utf8') : undefined;
      };
      const location = text(2);
      if (text(1) !== 'location' || location === undefined) return whole;
      const moved = place.relocate(location);
      if (moved === location) return whole;
      changed = true;
      return externalEntry('location', moved);
    });
    return changed ? Buffer.concat(parts) : undefined;
  }
  const raw = all.find((f) => f.field === TENSOR_RAW_DATA && f.wire === 2);
  if (!raw || raw.end - raw.payload < EXTERNALISE_BYTES) return undefined;
  const kept = all
    .filter((f) => f.field !== TENSOR_RAW_DATA && f.field !== TENSOR_DATA_LOCATION)
    .map((f) => src.read(f.start, f.end - f.start));
  return Buffer.concat([
    ...kept,
    externalEntry('location', place.file),
    externalEntry('offset', String(raw.payload)),
    externalEntry('length', String(raw.end - raw.payload)),
    varint(TENSOR_DATA_LOCATION * 8),
    varint(1), // EXTERNAL
  ]);
}

export interface RewriteOptions {
  /** Edits keyed by the node's position in the graph's node list. */
  nodes?: ReadonlyMap<number, NodeEdit>;
  /** GraphProto fields to append (serialized GraphProto bytes: nodes, initializers, inputs, outputs). */
  append?: Uint8Array;
}

function rewrite(src: ByteSource, options: RewriteOptions, place: Placement | undefined): Buffer {
  const out: Buffer[] = [];
  let sawGraph = false;
  for (const top of fields(src, 0, src.size)) {
    if (top.field !== MODEL_GRAPH || top.wire !== 2 || sawGraph) {
      out.push(src.read(top.start, top.end - top.start));
      continue;
    }
    sawGraph = true;
    const graph: Buffer[] = [];
    let nodeIndex = 0;
    for (const f of fields(src, top.payload, top.end)) {
      if (f.field === GRAPH_NODE && f.wire === 2) {
        const edit = options.nodes?.get(nodeIndex++);
        if (edit) {
          graph.push(lengthDelimited(GRAPH_NODE, editNode(src, f.payload, f.end, edit)));
          continue;
        }
      } else if (f.field === GRAPH_INITIALIZER && f.wire === 2 && place !== undefined) {
        const moved = placed(src, f.payload, f.end, place);
        if (moved) {
          graph.push(lengthDelimited(GRAPH_INITIALIZER, moved));
          continue;
        }
      }
      graph.push(src.read(f.start, f.end - f.start));
    }
    if (options.append) graph.push(Buffer.from(options.append));
    out.push(lengthDelimited(MODEL_GRAPH, Buffer.concat(graph)));
  }
  if (!sawGraph) throw new Error('the ONNX file has no graph');
  return Buffer.concat(out);
}

/**
 * Rewrites the model file at `path`, referencing its weights instead of copying them: large raw data stays in the file
 * and becomes external data, so the rewritten model is only its graph. Every reference names the real file (links
 * followed: the Hugging Face cache links snapshot files to blobs, and ONNX Runtime refuses a graph given as bytes whose
 * weights are reached through a link). `folder` is what the references resolve against: ONNX Runtime's
 * external-initializer folder.
 */
export function rewriteModelFile(
  path: string,
  options: RewriteOptions = {},
): { bytes: Buffer; folder: string } {
  const real = realpathSync(path);
  const folder = dirname(real);
  const relocate = (location: string): string => {
    const named = normalize(join(dirname(path), location));
    if (!named.startsWith(dirname(path) + sep)) return location; // outside the model's folder: ORT refuses it
    try {
      const target = realpathSync(named);
      return target.startsWith(folder + sep) ? relative(folder, target) : location;
    } catch {
      return location; // missing: ONNX Runtime names the file
    }
  };
  const fd = openSync(path, 'r');
  try {
    return { bytes: rewrite(new FileSource(fd), options, { file: basename(real), relocate }), folder };
  } finally {
    closeSync(fd);
  }
}

/** Rewrites model bytes already in memory (a graph whose weights are external already). */
export function rewriteModelBytes(bytes: Uint8Array, options: RewriteOptions = {}): Buffer {
  return rewrite(memorySource(bytes), options, undefined);
}
