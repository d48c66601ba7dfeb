// Typed arrays in JSON fixtures: `{ $typed, data | base64 }` markers written by the recorder, revived in Node and the page.

/** A Uint8Array as a readable number list; a Float32Array as base64 of its little-endian bytes (exact, compact). */
export type TypedMarker =
  { $typed: 'Uint8Array'; data: number[] } | { $typed: 'Float32Array'; base64: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** JSON.stringify replacer: typed arrays become markers. */
export function typedReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $typed: 'Uint8Array', data: [...value] };
  if (value instanceof Float32Array) {
    return {
      $typed: 'Float32Array',
      base64: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)),
    };
  }
  return value;
}

/** JSON.parse reviver: markers become typed arrays again. */
export function typedReviver(_key: string, value: unknown): unknown {
  if (!isObject(value) || typeof value.$typed !== 'string') return value;
  if (value.$typed === 'Uint8Array' && Array.isArray(value.data))
    return Uint8Array.from(value.data as number[]);
  if (value.$typed === 'Float32Array' && typeof value.base64 === 'string') {
    const bytes = fromBase64(value.base64);
    return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
  }
  return value;
}

/** Revives markers anywhere inside an already-parsed value (what page.evaluate hands the fake host). */
export function reviveTyped<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), typedReviver) as T;
}
