// Raw bytes of a vocabulary token: inverts the GPT-2 byte<->unicode map, or SentencePiece's '▁' and <0xNN> pieces.

export type ByteMode = 'byte-level' | 'metaspace' | 'plain';

type Json = Record<string, unknown>;

/** GPT-2's printable stand-in for every byte, inverted: stand-in code point -> byte. */
function byteLevelDecoder(): Map<number, number> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Map<number, number>();
  for (const b of printable) map.set(b, b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!map.has(b)) map.set(256 + n++, b);
  }
  return map;
}

const BYTE_LEVEL = byteLevelDecoder();
const utf8 = new TextEncoder();

function types(node: unknown): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const n = node as Json;
  const own = typeof n.type === 'string' ? [n.type] : [];
  const children = [n.decoders, n.pretokenizers, n.normalizers].flatMap((c) =>
    Array.isArray(c) ? c.flatMap(types) : [],
  );
  return [...own, ...children];
}

/** How a tokenizer.json spells bytes in its vocabulary, read from its decoder and pre-tokenizer. */
export function byteModeOf(tokenizerJson: Json): ByteMode {
  const all = [...types(tokenizerJson.decoder), ...types(tokenizerJson.pre_tokenizer)];
  if (all.includes('ByteLevel')) return 'byte-level';
  const model = tokenizerJson.model as Json | undefined;
  if (all.includes('Metaspace') || all.includes('ByteFallback') || model?.byte_fallback === true)
    return 'metaspace';
  if (JSON.stringify(tokenizerJson.decoder ?? null).includes('\u2581')) return 'metaspace';
  return 'plain';
}

/** The bytes a vocabulary token string stands for (not for added tokens: those are their own UTF-8 text). */
export function vocabTokenBytes(token: string, mode: ByteMode): Uint8Array {
  if (mode === 'byte-level') {
    const out: number[] = [];
    for (const ch of token) {
      const b = BYTE_LEVEL.get(ch.codePointAt(0) as number);
      if (b === undefined) return utf8.encode(token); // not a byte-level token after all
      out.push(b);
    }
    return Uint8Array.from(out);
  }
  if (mode === 'metaspace') {
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
    if (m) return Uint8Array.of(parseInt(m[1] as string, 16));
    return utf8.encode(token.replaceAll('\u2581', ' '));
  }
  return utf8.encode(token);
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Display text of a token: its UTF-8 text, or `<0xF0><0x9F>` when its bytes are only part of a character. */
export function displayText(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return [...bytes].map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
  }
}
