// POST /tokenize and /detokenize in vLLM's shapes and llama.cpp's, told apart by the body's keys.
import { HttpError, sendJson } from './http-errors';
import type { Route, RouteContext } from './route';

type Rec = Record<string, unknown>;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function bodyOf(ctx: RouteContext): Rec {
  const b = ctx.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) {
    throw new HttpError(400, 'bad-params', 'the request body must be a JSON object', 'body');
  }
  return b as Rec;
}

function optionalFlag(r: Rec, key: string): boolean | undefined {
  const v = r[key] ?? undefined;
  if (v !== undefined && typeof v !== 'boolean')
    throw new HttpError(400, 'bad-params', `${key} must be true or false`, key);
  return v;
}

/** llama.cpp's piece: the token's text when its bytes are whole UTF-8, else the bytes. */
function piece(bytes: Uint8Array): string | number[] {
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes];
  }
}

async function tokenize(ctx: RouteContext): Promise<void> {
  const r = bodyOf(ctx);
  const signal = { signal: ctx.signal };
  if ('content' in r) {
    // llama.cpp: { content, add_special?, with_pieces? } -> { tokens }
    if (typeof r.content !== 'string')
      throw new HttpError(400, 'bad-params', 'content must be a string', 'content');
    const withPieces = optionalFlag(r, 'with_pieces') ?? false;
    const result = await ctx.engine.request(
      'model/tokenize',
      { text: r.content, addSpecialTokens: optionalFlag(r, 'add_special') ?? false, pieces: withPieces },
      signal,
    );
    const tokens = withPieces
      ? (result.pieces ?? []).map((p) => ({ id: p.id, piece: piece(p.bytes) }))
      : result.ids;
    return sendJson(ctx.res, 200, JSON.stringify({ tokens }));
  }
  // vLLM: { prompt, add_special_tokens? } or { messages } -> { count, max_model_len, tokens }
  let ids: number[];
  if (r.messages !== undefined) {
    if (!Array.isArray(r.messages))
      throw new HttpError(400, 'bad-params', 'messages must be a list', 'messages');
    ids = (await ctx.engine.request('model/tokenize', { messages: r.messages as never }, signal)).ids;
  } else {
    if (typeof r.prompt !== 'string')
      throw new HttpError(400, 'bad-params', 'prompt must be a string (or give messages)', 'prompt');
    const add = optionalFlag(r, 'add_special_tokens') ?? true;
    ids = (await ctx.engine.request('model/tokenize', { text: r.prompt, addSpecialTokens: add }, signal)).ids;
  }
  const body = { count: ids.length, max_model_len: ctx.model.contextLength, tokens: ids, token_strs: null };
  sendJson(ctx.res, 200, JSON.stringify(body));
}

/** Both servers take `{ tokens }`; the answer carries both names (vLLM's `prompt`, llama.cpp's `content`). */
async function detokenize(ctx: RouteContext): Promise<void> {
  const r = bodyOf(ctx);
  if (!Array.isArray(r.tokens))
    throw new HttpError(400, 'bad-params', 'tokens must be a list of token ids', 'tokens');
  const { text } = await ctx.engine.request(
    'model/detokenize',
    { ids: r.tokens as number[] },
    { signal: ctx.signal },
  );
  sendJson(ctx.res, 200, JSON.stringify({ prompt: text, content: text }));
}

export const tokenizeRoutes: Route[] = [
  { method: 'POST', path: '/tokenize', usesModel: false, handle: tokenize },
  { method: 'POST', path: '/detokenize', usesModel: false, handle: detokenize },
];
