// Turns a stored weight matrix (float, linear-quantized, or packed n-bit blocks) back into float32 values, row-major.
import { DataType, elementCount, readFloats, readInts } from './initializers';
import type { OnnxTensor } from './onnx-proto';
import type { MatrixSource } from './weight-patterns';

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

type Lookup = (name: string) => OnnxTensor;

/** The matrix `source` describes, as floats: exactly what the graph's own dequantization computes. */
export function materialise(source: MatrixSource, tensor: Lookup, modelPath: string): Matrix {
  if (source.kind === 'float') {
    const t = tensor(source.tensor);
    const stored = { data: readFloats(t, modelPath), rows: t.dims[0] as number, cols: t.dims[1] as number };
    return source.transposed ? transpose(stored) : stored;
  }
  if (source.kind === 'linear') return linear(source, tensor, modelPath);
  return blocks(source, tensor, modelPath);
}

function transpose(m: Matrix): Matrix {
  const out = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++)
    for (let c = 0; c < m.cols; c++) out[c * m.rows + r] = m.data[r * m.cols + c] as number;
  return { data: out, rows: m.cols, cols: m.rows };
}

function linear(
  source: Extract<MatrixSource, { kind: 'linear' }>,
  tensor: Lookup,
  modelPath: string,
): Matrix {
  const t = tensor(source.data);
  const [rows, cols] = t.dims as [number, number];
  const q = readInts(t, modelPath);
  const scaleT = tensor(source.scale);
  const scale = readFloats(scaleT, modelPath);
  const zp = source.zeroPoint ? readInts(tensor(source.zeroPoint), modelPath) : undefined;
  const out = new Float32Array(rows * cols);
  const count = elementCount(scaleT);
  const axis = source.axis < 0 ? source.axis + 2 : source.axis;
  // index into scale/zero point for element (r, c): one for all, one per row/column, or one per block of them
  const at =
    count === 1
      ? () => 0
      : source.blockSize > 0
        ? axis === 0
          ? (r: number, c: number) => Math.floor(r / source.blockSize) * cols + c
          : (r: number, c: number) =>
              r * Math.ceil(cols / source.blockSize) + Math.floor(c / source.blockSize)
        : axis === 0
          ? (r: number) => r
          : (_r: number, c: number) => c;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = at(r, c);
      out[r * cols + c] = ((q[r * cols + c] as number) - (zp ? (zp[k] as number) : 0)) * (scale[k] as number);
    }
  }
  return { data: out, rows, cols };
}

/** MatMulNBits / GatherBlockQuantized: each row in blocks of `blockSize`, values packed low bits first. */
function blocks(
  source: Extract<MatrixSource, { kind: 'blocks' }>,
  tensor: Lookup,
  modelPath: string,
): Matrix {
  const { rows, cols, bits, blockSize } = source;
  const t = tensor(source.data);
  const blocksPerRow = Math.ceil(cols / blockSize);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  let values: (r: number, c: number) => number;
  if (t.dataType === DataType.UINT8 && bits < 8) {
    // MatMulNBits stores [rows, blocks, blockSize * bits / 8]; GatherBlockQuantized [rows, cols * bits / 8]
    const bytes = readInts(t, modelPath);
    const rowBytes = elementCount(t) / rows;
    values = (r, c) =>
      ((bytes[r * rowBytes + Math.floor(c / perByte)] as number) >> ((c % perByte) * bits)) & mask;
  } else {
    const ints = readInts(t, modelPath); // uint8 at 8 bits, or int4/uint4 already unpacked
    values = (r, c) => ints[r * cols + c] as number;
  }
  const scales = readFloats(tensor(source.scales), modelPath);
  let zero: (r: number, b: number) => number;
  const signed = t.dataType === DataType.INT4 || t.dataType === DataType.INT8;
  const fallback = signed ? 0 : 2 ** (bits - 1);
  if (!source.zeroPoints) zero = () => fallback;
  else {
    const zt = tensor(source.zeroPoints);
    if (zt.dataType === DataType.FLOAT || zt.dataType === DataType.FLOAT16) {
      const z = readFloats(zt, modelPath);
      zero = (r, b) => z[r * blocksPerRow + b] as number;
    } else if (zt.dataType === DataType.UINT8 && bits < 8) {
      const z = readInts(zt, modelPath);
      const zRow = Math.ceil(blocksPerRow / perByte);
      zero = (r, b) => ((z[r * zRow + Math.floor(b / perByte)] as number) >> ((b % perByte) * bits)) & mask;
    } else {
      const z = readInts(zt, modelPath);
      zero = (r, b) => z[r * blocksPerRow + b] as number;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocksPerRow; b++) {
      const s = scales[r * blocksPerRow + b] as number;
      const z = zero(r, b);
      const end = Math.min(cols, (b + 1) * blockSize);
      for (let c = b * blockSize; c < end; c++) out[r * cols + c] = (values(r, c) - z) * s;
    }
  }
  return { data: out, rows, cols };
}
