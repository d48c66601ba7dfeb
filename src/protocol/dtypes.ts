// The ONNX variants a model folder may hold: Transformers.js's dtype names and their file suffixes.

/** Transformers.js dtype names -> ONNX file suffix (its DEFAULT_DTYPE_SUFFIX_MAPPING): `onnx/model${suffix}.onnx`. */
export const DTYPE_SUFFIX: Readonly<Record<string, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  q2: '_q2',
  q2f16: '_q2f16',
  q1: '_q1',
  q1f16: '_q1f16',
  bnb4: '_bnb4',
};

/** The dtype of an ONNX file name (`model_q4f16.onnx` -> q4f16), given its stem; undefined when it is none of them. */
export function dtypeOfFile(file: string, stem = 'model'): string | undefined {
  const base = file.split('/').pop() ?? file;
  return Object.keys(DTYPE_SUFFIX).find((d) => base === `${stem}${DTYPE_SUFFIX[d]}.onnx`);
}
