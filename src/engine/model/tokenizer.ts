// Wraps @huggingface/tokenizers: ids plus per-token pieces (bytes, UTF-16 offsets into the original text), decoding; refuses a broken tokenizer.json.
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFolderError } from './model-errors';
import { byteModeOf, displayText, vocabTokenBytes, type ByteMode } from './token-bytes';
import { byteToChar } from '../../protocol/byte-offsets';

/** The model types tokenizer.json may name (the Rust `tokenizers` library's). */
const MODEL_TYPES = new Set(['BPE', 'WordPiece', 'WordLevel', 'Unigram']);

/**
 * What is wrong with tokenizer.json's `model`, or undefined when it is usable: a known type, and a vocab that is a
 * non-empty table (an object of token -> id; for Unigram a list of [piece, score] pairs). The library would accept
 * a broken vocab and encode every text to nothing.
 */
export function tokenizerModelProblem(json: Record<string, unknown>): string | undefined {
  const model = json.model;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) return '"model" is missing';
  const m = model as Record<string, unknown>;
  const type = m.type;
  if (type !== undefined && (typeof type !== 'string' || !MODEL_TYPES.has(type))) {
    return `model.type ${JSON.stringify(type)} is not one of ${[...MODEL_TYPES].join(', ')}`;
  }
  const vocab = m.vocab;
  const unigram = type === 'Unigram' || (type === undefined && Array.isArray(vocab));
  if (unigram) {
    if (!Array.isArray(vocab))
      return `model.vocab must be a list of [piece, score] pairs (Unigram), got ${kind(vocab)}`;
    if (vocab.length === 0) return 'model.vocab is empty';
    const bad = vocab.findIndex(
      (e) => !Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number',
    );
    if (bad >= 0)
      return `model.vocab[${bad}] must be a [piece, score] pair, got ${JSON.stringify(vocab[bad])}`;
    return undefined;
  }
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    return `model.vocab must be a table of token -> id${type === undefined ? '' : ` (${type})`}, got ${kind(vocab)}`;
  }
  const entries = Object.entries(vocab);
  if (entries.length === 0) return 'model.vocab is empty';
  for (const [token, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      return `model.vocab maps ${JSON.stringify(token)} to ${JSON.stringify(id)}, not a token id`;
    }
  }
  if (type === 'BPE' && m.merges !== undefined && !Array.isArray(m.merges)) {
    return `model.merges must be a list, got ${kind(m.merges)}`;
  }
  return undefined;
}

function kind(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export interface TokenPiece {
  id: number;
  /** Display string: the token's text, or `<0xNN>` escapes when it holds only part of a character. */
  text: string;
  /** The token's raw bytes. */
  bytes: Uint8Array;
  /** UTF-16 offsets into the original text; a token holding part of a character spans the whole character; inserted tokens (BOS) have start === end. */
  start: number;
  end: number;
  special: boolean;
}

export interface Encoded {
  ids: number[];
  pieces: TokenPiece[];
}

const utf8 = new TextEncoder();

function startsWith(tb: Uint8Array, at: number, bytes: Uint8Array): boolean {
  if (at + bytes.length > tb.length) return false;
  for (let k = 0; k < bytes.length; k++) if (tb[at + k] !== bytes[k]) return false;
  return true;
}

export class TextTokenizer {
  readonly byteMode: ByteMode;
  private readonly tok: Tokenizer;
  private readonly added: Map<number, { content: string; special: boolean }>;
  private readonly byteCache = new Map<number, Uint8Array>();

  /**
   * Throws a bad-json ModelFolderError naming tokenizer.json (`path`: where it is, for the error) when its model is
   * unusable or the library cannot build a tokenizer from it.
   */
  constructor(
    tokenizerJson: Record<string, unknown>,
    tokenizerConfig: Record<string, unknown>,
    path?: string,
  ) {
    const problem = tokenizerModelProblem(tokenizerJson);
    if (problem !== undefined) throw new ModelFolderError('bad-json', `tokenizer.json: ${problem}`, path);
    try {
      this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
      this.byteMode = byteModeOf(tokenizerJson);
      this.added = new Map();
      for (const [id, t] of this.tok.get_added_tokens_decoder()) {
        this.added.set(id, { content: t.content, special: t.special });
      }
    } catch (e) {
      throw new ModelFolderError(
        'bad-json',
        `tokenizer.json: no tokenizer can be built from it: ${e instanceof Error ? e.message : String(e)}`,
        path,
      );
    }
  }

  /** Token string as the vocabulary stores it (`Ġhello`, `▁hello`, `<|bos|>`). */
  idToToken(id: number): string | undefined {
    return this.tok.id_to_token(id);
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  isSpecial(id: number): boolean {
    return this.added.get(id)?.special ?? false;
  }

  /** The raw bytes a token stands for (an added token: its own text). */
  tokenBytes(id: number): Uint8Array {
    let bytes = this.byteCache.get(id);
    if (!bytes) {
      const added = this.added.get(id);
      const token = this.tok.id_to_token(id);
      bytes = added
        ? utf8.encode(added.content)
        : token === undefined
          ? new Uint8Array(0)
          : vocabTokenBytes(token, this.byteMode);
      this.byteCache.set(id, bytes);
    }
    return bytes;
  }

  /** Display string of one token. */
  tokenText(id: number): string {
    return displayText(this.tokenBytes(id));
  }

  /** Token ids only (faster than encode when pieces are not needed). */
  encodeIds(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tok.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** Ids and pieces; `addSpecialTokens` defaults to true, as the tokenizer does by default. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): Encoded {
    const ids = this.encodeIds(text, options);
    return { ids, pieces: this.align(text, ids) };
  }

  /** Maps every token's bytes back onto the UTF-8 bytes of `text`, yielding UTF-16 offsets. */
  private align(text: string, ids: number[]): TokenPiece[] {
    const { bytes: tb, charStart, charEnd } = byteToChar(text);
    let cursor = 0;
    return ids.map((id) => {
      const bytes = this.tokenBytes(id);
      const special = this.isSpecial(id);
      let first = -1;
      let last = -1;
      let p = cursor;
      if (this.added.has(id)) {
        // Added tokens match whole (after whitespace an lstrip token absorbed) or were inserted (BOS).
        let q = cursor;
        while (
          q < tb.length &&
          (tb[q] === 0x20 || tb[q] === 0x0a || tb[q] === 0x09) &&
          !startsWith(tb, q, bytes)
        )
          q++;
        if (bytes.length > 0 && startsWith(tb, q, bytes)) {
          first = q;
          last = q + bytes.length - 1;
        }
      } else
        for (let k = 0; k < bytes.length; k++) {
          if (p < tb.length && tb[p] === bytes[k]) {
            if (first < 0) first = p;
            last = p++;
          } else if (bytes[k] === 0x20) {
            continue; // a space the tokenizer inserted (SentencePiece prefix, add_prefix_space)
          } else {
            const found = this.resync(tb, p, bytes.subarray(k));
            if (found < 0) break;
            p = found;
            k--; // match this byte again at the new place
          }
        }
      let start: number;
      let end: number;
      if (first < 0) {
        start = end = charStart[Math.min(cursor, tb.length)] as number; // inserted token (BOS) or unmatched
      } else {
        start = charStart[first] as number;
        end = charEnd[last] as number;
        cursor = last + 1;
      }
      return { id, text: displayText(bytes), bytes, start, end, special };
    });
  }

  /** Where `rest` continues in `tb` within a few bytes of `from` (a normaliser changed something), or -1. */
  private resync(tb: Uint8Array, from: number, rest: Uint8Array): number {
    const want = rest.subarray(0, Math.min(rest.length, 4));
    for (let q = from + 1; q <= Math.min(tb.length - want.length, from + 16); q++) {
      let ok = true;
      for (let k = 0; k < want.length && ok; k++) ok = tb[q + k] === want[k];
      if (ok) return q;
    }
    return -1;
  }

  /** Text of `ids` as the tokenizer's decoder produces it. */
  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tok.decode(ids, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** A decoder for streaming: feed ids one by one, get only complete characters back. */
  streamDecoder(options: { skipSpecialTokens?: boolean } = {}): StreamDecoder {
    return new StreamDecoder(this, options.skipSpecialTokens ?? true);
  }
}

/** Turns a stream of token ids into text without ever emitting part of a character (bytes wait until complete). */
export class StreamDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly skipSpecial: boolean,
  ) {}

  /** Text completed by this token ('' while a character is still incomplete). */
  push(id: number): string {
    if (this.skipSpecial && this.tokenizer.isSpecial(id)) return '';
    return this.decoder.decode(this.tokenizer.tokenBytes(id), { stream: true });
  }

  /** Ends the stream: bytes of a character that never completed are dropped (never shown as U+FFFD). */
  flush(): string {
    return this.decoder.decode().replace(/\uFFFD+$/, '');
  }
}
