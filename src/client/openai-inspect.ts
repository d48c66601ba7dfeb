// InspectResults from what OpenAI-compatible servers say about a text: vLLM's prompt_logprobs, the legacy echo shape, pieces.
import type {
  Availability,
  InspectAlternative,
  InspectPosition,
  InspectResult,
  InspectorView,
} from '../protocol/engine-methods';
import { EngineCallError } from './engine-client';
import { array, integer, number, object, string, type Json } from './response-fields';
import { alignPieces, pieceBytes } from './token-offsets';

/** One token as a server reported it, with its prediction (null: none, e.g. the first token). */
export interface ServerToken {
  id: number;
  piece: string | readonly number[];
  position: InspectPosition | null;
}

/**
 * Entropy of the whole next-token distribution cannot be known from a server's top-k log-probabilities: NaN says so
 * (wire-json keeps it over HTTP).
 */
export const UNKNOWN_ENTROPY = Number.NaN;

/** Lines the tokens up with the text; a first token that is not in the text (BOS) becomes `bos`. */
export function inspectResult(
  handle: string,
  text: string,
  tokens: ServerToken[],
  views: Record<InspectorView, Availability>,
  timings: InspectResult['timings'],
): InspectResult {
  const aligned = alignPieces(
    text,
    tokens.map((t) => pieceBytes(t.piece)),
  );
  let bos: InspectResult['bos'] = null;
  let first = 0;
  const head = aligned[0];
  if (head && !head.matched && tokens[0]?.position === null && tokens.length > 1) {
    bos = { id: tokens[0].id, text: head.text };
    first = 1;
  }
  return {
    handle,
    tokens: aligned.slice(first).map((a, i) => ({
      id: (tokens[i + first] as ServerToken).id,
      text: a.text,
      bytes: a.bytes,
      start: a.start,
      end: a.end,
    })),
    positions: tokens.slice(first).map((t) => t.position),
    bos,
    layers: 0,
    heads: 0,
    truncated: null,
    ...(views.prediction.available ? {} : { predictions: views.prediction }),
    attention: views.attention,
    lens: views.lens,
    embeddings: views.embeddings,
    timings,
  };
}

/**
 * vLLM's `prompt_logprobs`: per prompt token (null first) `{ "<id>": { logprob, rank, decoded_token } }` holding the
 * top k and the actual token; `ids` are the prompt's ids (from /tokenize), `firstPiece` the first token's text.
 */
export function fromPromptLogprobs(
  ids: number[],
  promptLogprobs: unknown,
  firstPiece: string,
  topK: number,
): ServerToken[] {
  const rows = array(promptLogprobs, 'prompt_logprobs');
  if (rows.length !== ids.length) {
    throw new EngineCallError(
      'bad-response',
      `prompt_logprobs has ${rows.length} rows for ${ids.length} tokens`,
    );
  }
  return ids.map((id, i) => {
    const row = rows[i];
    if (row === null || row === undefined) return { id, piece: i === 0 ? firstPiece : '', position: null };
    const where = `prompt_logprobs[${i}]`;
    const entries = Object.entries(object(row, where)).map(([key, value]) => {
      const e = object(value, `${where}["${key}"]`);
      return {
        id: integer(Number(key), `${where} key ${JSON.stringify(key)}`),
        logprob: number(e.logprob, `${where}["${key}"].logprob`),
        rank: typeof e.rank === 'number' ? e.rank : Number.NaN,
        text: typeof e.decoded_token === 'string' ? e.decoded_token : '',
      };
    });
    const actual = entries.find((e) => e.id === id);
    if (!actual) throw new EngineCallError('bad-response', `${where} lacks the prompt's token ${id}`);
    const top: InspectAlternative[] = entries
      .filter((e) => e.rank <= topK || (e.id !== id && Number.isNaN(e.rank)))
      .sort((a, b) => b.logprob - a.logprob || a.id - b.id)
      .slice(0, topK)
      .map((e) => ({ id: e.id, text: e.text, prob: Math.exp(e.logprob) }));
    return {
      id,
      piece: actual.text,
      position: { logprob: actual.logprob, rank: actual.rank, entropy: UNKNOWN_ENTROPY, top },
    };
  });
}

/**
 * The OpenAI legacy completions shape with `echo: true`: `logprobs: { tokens, token_logprobs, top_logprobs }` over the
 * prompt (then what was generated, dropped here: `promptCount` tokens are kept when known). Token strings of the form
 * `token_id:<n>` (vLLM's return_tokens_as_token_ids) give ids; other strings get stable negative ids in this result.
 */
export function fromEchoLogprobs(logprobs: unknown, promptCount?: number): ServerToken[] {
  const lp = object(logprobs, 'logprobs');
  const tokens = array(lp.tokens, 'logprobs.tokens').map((t, i) => string(t, `logprobs.tokens[${i}]`));
  const tokenLogprobs = array(lp.token_logprobs, 'logprobs.token_logprobs');
  const topLogprobs = Array.isArray(lp.top_logprobs) ? (lp.top_logprobs as unknown[]) : [];
  const ids = new Map<string, number>();
  const idOf = (t: string): number => {
    const m = /^token_id:(\d+)$/.exec(t);
    if (m) return Number(m[1]);
    let id = ids.get(t);
    if (id === undefined) ids.set(t, (id = -1 - ids.size));
    return id;
  };
  const n = promptCount ?? tokens.length;
  return tokens.slice(0, n).map((token, i) => {
    const id = idOf(token);
    const logprob = tokenLogprobs[i];
    if (logprob === null || logprob === undefined) return { id, piece: token, position: null };
    const actual = number(logprob, `logprobs.token_logprobs[${i}]`);
    const row = topLogprobs[i];
    const alternatives = (row && typeof row === 'object' ? Object.entries(row as Json) : []).map(
      ([t, v]) => ({
        id: idOf(t),
        text: t,
        logprob: number(v, `logprobs.top_logprobs[${i}]["${t}"]`),
      }),
    );
    alternatives.sort((a, b) => b.logprob - a.logprob);
    const listed = alternatives.some((a) => a.id === id);
    // a rank is known only when the actual token is among the alternatives listed
    const rank = listed ? 1 + alternatives.filter((a) => a.logprob > actual).length : Number.NaN;
    return {
      id,
      piece: token,
      position: {
        logprob: actual,
        rank,
        entropy: UNKNOWN_ENTROPY,
        top: alternatives.map((a) => ({ id: a.id, text: a.text, prob: Math.exp(a.logprob) })),
      },
    };
  });
}
