// Typed arrays from the host: kept when structured clone delivers them, revived from `$typed` markers when JSON carries them.

/** A typed array as JSON (recorded fixtures, test hosts): a Uint8Array as its numbers, a Float32Array as base64 of its little-endian bytes. */
export type TypedMarker =
  { $typed: 'Uint8Array'; data: number[] } | { $typed: 'Float32Array'; base64: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The typed array a marker stands for, or undefined when `value` is not a marker. */
export function fromMarker(value: unknown): Uint8Array | Float32Array | undefined {
  if (!isObject(value) || typeof value.$typed !== 'string') return undefined;
  if (value.$typed === 'Uint8Array' && Array.isArray(value.data))
    return Uint8Array.from(value.data as number[]);
  if (value.$typed === 'Float32Array' && typeof value.base64 === 'string') {
    const bytes = fromBase64(value.base64);
    return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
  }
  return undefined;
}

/**
 * Replaces every marker inside `value` by its typed array, in place (a posted message is the page's own copy), and
 * returns it. Typed arrays and everything else are left as they are.
 */
export function decodeTypedArrays(value: unknown): unknown {
  if (!isObject(value) || ArrayBuffer.isView(value)) return value;
  const typed = fromMarker(value);
  if (typed) return typed;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeTypedArrays(value[i]);
  } else {
    for (const key of Object.keys(value)) value[key] = decodeTypedArrays(value[key]);
  }
  return value;
}
