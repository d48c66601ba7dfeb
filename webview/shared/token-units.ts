// Tokens as the strip shows them: characters split across tokens grouped (never U+FFFD), whitespace made visible, bytes as hex.
import type { InspectToken } from '../../src/protocol/engine-methods';

/** One token whose bytes are whole characters. */
export interface SingleUnit {
  kind: 'single';
  index: number;
  /** The token's characters (its bytes decoded). */
  text: string;
}

/** Consecutive tokens whose bytes only make characters together (an emoji in 4 byte tokens): shown once. */
export interface GroupUnit {
  kind: 'group';
  first: number;
  /** Inclusive. */
  last: number;
  /** The characters the group's bytes make. */
  text: string;
}

export type TokenUnit = SingleUnit | GroupUnit;

/** A character spans at most 4 bytes, so a group never needs more tokens than that. */
const MAX_GROUP = 4;
const strict = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');

function decode(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

/** What grouping needs of a token: its text and its bytes. */
export type TokenBytes = Pick<InspectToken, 'text' | 'bytes'>;

function concat(tokens: TokenBytes[], first: number, last: number): Uint8Array {
  let length = 0;
  for (let i = first; i <= last; i++) length += tokens[i]?.bytes.length ?? 0;
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = first; i <= last; i++) {
    const bytes = tokens[i]?.bytes ?? new Uint8Array(0);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/**
 * Splits the tokens into display units. A token whose bytes do not decode alone starts a group that takes the
 * following tokens until their concatenated bytes decode; bytes that never do (invalid UTF-8) stay a single
 * token, decoded with U+FFFD as the text really has no character there.
 */
export function tokenUnits(tokens: TokenBytes[]): TokenUnit[] {
  const units: TokenUnit[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as TokenBytes;
    const bytes = token.bytes;
    if (bytes.length === 0) {
      units.push({ kind: 'single', index: i, text: token.text });
      i++;
      continue;
    }
    const alone = decode(bytes);
    if (alone !== null) {
      units.push({ kind: 'single', index: i, text: alone });
      i++;
      continue;
    }
    let grouped = false;
    for (let last = i + 1; last < Math.min(tokens.length, i + MAX_GROUP); last++) {
      const text = decode(concat(tokens, i, last));
      if (text !== null) {
        units.push({ kind: 'group', first: i, last, text });
        i = last + 1;
        grouped = true;
        break;
      }
    }
    if (!grouped) {
      units.push({ kind: 'single', index: i, text: lossy.decode(bytes) });
      i++;
    }
  }
  return units;
}

const memo = new WeakMap<InspectToken[], { units: TokenUnit[]; byToken: TokenUnit[] }>();

/** tokenUnits, computed once per token list, with the unit of every token. */
export function unitsOf(tokens: InspectToken[]): { units: TokenUnit[]; byToken: TokenUnit[] } {
  let known = memo.get(tokens);
  if (!known) {
    const units = tokenUnits(tokens);
    const byToken: TokenUnit[] = [];
    for (const u of units) {
      if (u.kind === 'single') byToken[u.index] = u;
      else for (let i = u.first; i <= u.last; i++) byToken[i] = u;
    }
    known = { units, byToken };
    memo.set(tokens, known);
  }
  return known;
}

/** A token's own text for labels: its characters, or for part of a grouped character which character. */
export function tokenLabel(tokens: InspectToken[], index: number): string {
  const unit = unitsOf(tokens).byToken[index];
  if (!unit) return '';
  if (unit.kind === 'single') return visibleText(unit.text);
  const bytes = hex(tokens[index]?.bytes ?? new Uint8Array(0));
  return `${bytes} (part of “${visibleText(unit.text)}”)`;
}

/** A run of text: ordinary characters, or a whitespace character drawn as a marker. */
export interface Piece {
  text: string;
  marker: boolean;
}

const MARKERS: Record<string, string> = { ' ': '·', '\t': '→', '\n': '⏎\n', '\r': '␍' };
const WHITESPACE = /[ \t\n\r]/;

/** Whitespace made visible: · space, → tab, ⏎ newline (followed by a real line break), ␍ carriage return. */
export function visiblePieces(text: string): Piece[] {
  if (!WHITESPACE.test(text)) return [{ text, marker: false }];
  const pieces: Piece[] = [];
  let plain = '';
  for (const ch of text) {
    const marker = MARKERS[ch];
    if (marker === undefined) {
      plain += ch;
      continue;
    }
    if (plain) pieces.push({ text: plain, marker: false });
    plain = '';
    const previous = pieces[pieces.length - 1];
    if (previous?.marker && !previous.text.endsWith('\n')) previous.text += marker;
    else pieces.push({ text: marker, marker: true });
  }
  if (plain) pieces.push({ text: plain, marker: false });
  return pieces;
}

/** The text on one line with whitespace made visible (labels, lists, tooltips). */
export function visibleText(text: string): string {
  return text.replace(/[ \t\n\r]/g, (ch) => (MARKERS[ch] ?? ch).replace('\n', ''));
}

/** Bytes as upper-case hex pairs: "F0 9F 99 82". */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
