// Reads a float initializer's values from a decoded ONNX graph: inline raw/float data or an external data file.
import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { halfToFloat } from '../math';
import type { OnnxTensor } from './onnx-proto';

const FLOAT = 1;
const FLOAT16 = 10;
const BFLOAT16 = 16;

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

/** The tensor's values as float32 (float, float16 and bfloat16 storage); throws a named error for other types. */
export function readFloats(tensor: OnnxTensor, modelPath: string): Float32Array {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.dataType === FLOAT && tensor.floatData.length === count)
    return Float32Array.from(tensor.floatData);
  const raw = tensor.dataLocation === 1 ? externalBytes(tensor, modelPath) : tensor.rawData;
  if (!raw) throw new Error(`initializer ${tensor.name} holds no data`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  if (tensor.dataType === FLOAT && raw.byteLength === 4 * count) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (tensor.dataType === FLOAT16 && raw.byteLength === 2 * count) {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else if (tensor.dataType === BFLOAT16 && raw.byteLength === 2 * count) {
    for (let i = 0; i < count; i++)
      out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0] as number;
  } else {
    throw new Error(
      `initializer ${tensor.name}: data type ${tensor.dataType} is not a float type the inspector reads`,
    );
  }
  return out;
}
