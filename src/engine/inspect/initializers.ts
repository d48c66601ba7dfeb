// Reads an initializer's values from a decoded ONNX graph (inline or external data) as floats or integers.
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { halfToFloat } from '../math';
import type { OnnxTensor } from './onnx-proto';

/** ONNX TensorProto.DataType values the inspector reads. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  FLOAT16: 10,
  BFLOAT16: 16,
  UINT4: 21,
  INT4: 22,
} as const;

function externalBytes(tensor: OnnxTensor, modelPath: string): Uint8Array {
  const kv = new Map(tensor.externalData.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) throw new Error(`initializer ${tensor.name}: external data without a location`);
  const base = dirname(modelPath);
  const file = normalize(join(base, location));
  if (!file.startsWith(base + sep))
    throw new Error(`initializer ${tensor.name}: external data outside the model folder`);
  const offset = Number(kv.get('offset') ?? 0);
  const length = Number(kv.get('length') ?? 0);
  const out = new Uint8Array(length);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`initializer ${tensor.name}: ${location} ends early`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

export function elementCount(tensor: OnnxTensor): number {
  return tensor.dims.reduce((a, b) => a * b, 1);
}

function rawBytes(tensor: OnnxTensor, modelPath: string): Uint8Array | undefined {
  return tensor.dataLocation === 1 ? externalBytes(tensor, modelPath) : tensor.rawData;
}

/** The tensor's values as float32 (float, float16 and bfloat16 storage); throws a named error for other types. */
export function readFloats(tensor: OnnxTensor, modelPath: string): Float32Array {
  const count = elementCount(tensor);
  if (tensor.dataType === DataType.FLOAT && tensor.floatData.length === count)
    return Float32Array.from(tensor.floatData);
  if (tensor.dataType === DataType.FLOAT16 && tensor.int32Data.length === count)
    return Float32Array.from(tensor.int32Data, halfToFloat);
  const raw = rawBytes(tensor, modelPath);
  if (!raw) throw new Error(`initializer ${tensor.name} holds no data`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  if (tensor.dataType === DataType.FLOAT && raw.byteLength === 4 * count) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (tensor.dataType === DataType.FLOAT16 && raw.byteLength === 2 * count) {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else if (tensor.dataType === DataType.BFLOAT16 && raw.byteLength === 2 * count) {
    for (let i = 0; i < count; i++)
      out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0] as number;
  } else {
    throw new Error(
      `initializer ${tensor.name}: data type ${tensor.dataType} is not a float type the inspector reads`,
    );
  }
  return out;
}

/**
 * The tensor's values as integers: uint8/int8, int32, and uint4/int4 (two per byte, low nibble first, as ONNX packs
 * them). Throws a named error for other types.
 */
export function readInts(tensor: OnnxTensor, modelPath: string): Int32Array {
  const count = elementCount(tensor);
  const t = tensor.dataType;
  if (tensor.int32Data.length === count && count > 0) return Int32Array.from(tensor.int32Data);
  const raw = rawBytes(tensor, modelPath);
  if (!raw) throw new Error(`initializer ${tensor.name} holds no data`);
  const out = new Int32Array(count);
  if ((t === DataType.UINT8 || t === DataType.INT8) && raw.byteLength === count) {
    for (let i = 0; i < count; i++)
      out[i] = t === DataType.INT8 ? ((raw[i] as number) << 24) >> 24 : (raw[i] as number);
  } else if (t === DataType.INT32 && raw.byteLength === 4 * count) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
  } else if ((t === DataType.UINT4 || t === DataType.INT4) && raw.byteLength === Math.ceil(count / 2)) {
    for (let i = 0; i < count; i++) {
      const nibble = ((raw[i >> 1] as number) >> ((i & 1) * 4)) & 15;
      out[i] = t === DataType.INT4 && nibble >= 8 ? nibble - 16 : nibble;
    }
  } else {
    throw new Error(`initializer ${tensor.name}: data type ${t} is not an integer type the inspector reads`);
  }
  return out;
}
