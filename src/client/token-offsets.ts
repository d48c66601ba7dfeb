// Lines up a server's token pieces (text or raw bytes) with the inspected text: UTF-16 offsets, bytes, display text.
import { byteToChar } from '../protocol/byte-offsets';

export interface AlignedToken {
  bytes: Uint8Array;
  /** The piece's text, or `<0xNN>` escapes when its bytes are only part of a character. */
  text: string;
  /** UTF-16 offsets; a token holding part of a character spans the whole character; an unmatched one has start === end. */
  start: number;
  end: number;
  /** False when the piece is not in the text there (an inserted BOS, a piece the server reported as U+FFFD). */
  matched: boolean;
}

const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

/** A piece as the server gave it: text (UTF-8 encoded here) or bytes (llama.cpp for a part of a character). */
export function pieceBytes(piece: string | readonly number[]): Uint8Array {
  return typeof piece === 'string' ? utf8.encode(piece) : Uint8Array.from(piece);
}

export function displayText(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return [...bytes].map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
  }
}

function matchesAt(tb: Uint8Array, at: number, piece: Uint8Array, from: number): boolean {
  if (at + piece.length - from > tb.length) return false;
  for (let k = from; k < piece.length; k++) if (tb[at + k - from] !== piece[k]) return false;
  return true;
}

/**
 * Walks the text's bytes piece by piece. A leading space the text does not have there is one the tokenizer inserted
 * (SentencePiece's prefix) and is skipped; a piece found a few bytes further on (a normaliser changed something) is
 * taken from there; a piece not found at all (a BOS, U+FFFD for a split character) takes no characters.
 */
export function alignPieces(text: string, pieces: readonly Uint8Array[]): AlignedToken[] {
  const { bytes: tb, charStart, charEnd } = byteToChar(text);
  let cursor = 0;
  return pieces.map((bytes) => {
    let from = 0;
    while (from < bytes.length && bytes[from] === 0x20 && tb[cursor] !== 0x20) from++;
    let at = -1;
    if (from < bytes.length) {
      for (let q = cursor; q <= Math.min(tb.length, cursor + 16); q++) {
        if (matchesAt(tb, q, bytes, from)) {
          at = q;
          break;
        }
      }
    }
    const token = { bytes, text: displayText(bytes) };
    if (at < 0) {
      const here = charStart[Math.min(cursor, tb.length)] as number;
      return { ...token, start: here, end: here, matched: false };
    }
    const last = at + bytes.length - from - 1;
    cursor = last + 1;
    return { ...token, start: charStart[at] as number, end: charEnd[last] as number, matched: true };
  });
}
