// JSON for engine results over HTTP: typed arrays as { $typed, base64 } (little-endian bytes), everything else as is.

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
} as const;
type TypedName = keyof typeof TYPED;

interface EncodedTyped {
  $typed: TypedName;
  base64: string;
}

function isEncoded(value: unknown): value is EncodedTyped {
  const v = value as Partial<EncodedTyped> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.$typed === 'string' &&
    Object.hasOwn(TYPED, v.$typed) &&
    typeof v.base64 === 'string'
  );
}

/** NaN and ±Infinity survive as strings (plain JSON would turn them into null). */
const NON_FINITE = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** JSON.stringify with typed arrays encoded compactly (a Float32Array of n values takes 4n bytes of base64). */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, _key, v: unknown) {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as TypedName;
      if (!Object.hasOwn(TYPED, name)) throw new TypeError(`cannot encode a ${name}`);
      return { $typed: name, base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  });
}

/** JSON.parse that turns toWireJson's encodings back into typed arrays and numbers. Throws on bad JSON. */
export function fromWireJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (isEncoded(v)) {
      const bytes = Buffer.from(v.base64, 'base64');
      const Type = TYPED[v.$typed];
      if (bytes.byteLength % Type.BYTES_PER_ELEMENT !== 0) throw new SyntaxError(`truncated ${v.$typed}`);
      // copied into a fresh buffer: Buffer's pool offset may not be aligned for the element size
      const aligned = new Uint8Array(bytes.byteLength);
      aligned.set(bytes);
      return new Type(aligned.buffer);
    }
    const n = v as { $number?: unknown } | null;
    if (
      typeof n === 'object' &&
      n !== null &&
      typeof n.$number === 'string' &&
      Object.hasOwn(NON_FINITE, n.$number)
    )
      return NON_FINITE[n.$number as keyof typeof NON_FINITE];
    return v;
  });
}
