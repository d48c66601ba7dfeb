// What a server's error answer means: HTTP status and body (OpenAI, vLLM, llama.cpp, Ollama shapes) -> EngineCallError.
import { isErrorCode, type ErrorCode } from '../protocol/errors';
import { EngineCallError } from './engine-client';

/** Error codes a Glassbox server may put in its body that the client passes on as they are. */
const PASSED_ON: ReadonlySet<ErrorCode> = new Set([
  'bad-params',
  'unknown-method',
  'no-model',
  'context-length',
  'no-chat-template',
  'bad-chat-template',
  'unavailable',
  'out-of-range',
  'inspection-gone',
  'step-gone',
  'unsupported',
  'cancelled',
]);

/**
 * The server's own words in an error body: OpenAI's and llama.cpp's `{ error: { message } }`, vLLM's older
 * `{ object: "error", message }`, Ollama's `{ error: "..." }`, FastAPI's `{ detail }`; else the text itself (cut short).
 */
export function serverMessage(body: string): { message: string; code?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim().replace(/\s+/g, ' ');
    return { message: text.length > 300 ? `${text.slice(0, 300)}…` : text };
  }
  const p = parsed as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null) return { message: body.trim() };
  const error = p.error;
  if (typeof error === 'string') return { message: error };
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
    return typeof e.code === 'string' ? { message, code: e.code } : { message };
  }
  if (typeof p.message === 'string') return { message: p.message };
  if (p.detail !== undefined)
    return { message: typeof p.detail === 'string' ? p.detail : JSON.stringify(p.detail) };
  return { message: body.trim() };
}

/** "5 s" from a Retry-After header (seconds or an HTTP date), or undefined. */
function retryAfter(header: string | null, now: number): string | undefined {
  if (!header) return undefined;
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) : (Date.parse(header) - now) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return `${Math.max(0, Math.ceil(seconds))} s`;
}

/** The error for a non-2xx answer to `what` (e.g. "POST http://host/v1/completions"). */
export function httpError(
  status: number,
  statusText: string,
  body: string,
  retryAfterHeader: string | null,
  what: string,
  now = Date.now(),
): EngineCallError {
  const { message, code } = serverMessage(body);
  const said = message ? `: ${message}` : '';
  const http = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 401 || status === 403) {
    return new EngineCallError(
      'unauthorized',
      `the server refused the API key (${http} to ${what})${said}; set the key with "Glassbox: Set Server API Key"`,
    );
  }
  if (status === 429) {
    const wait = retryAfter(retryAfterHeader, now);
    return new EngineCallError(
      'queue-full',
      `the server is busy (${http} to ${what})${said}; ${wait ? `it asks to retry after ${wait}` : 'try again later'}`,
    );
  }
  if (code !== undefined && isErrorCode(code) && PASSED_ON.has(code))
    return new EngineCallError(code, message);
  return new EngineCallError('server-error', `the server answered ${http} to ${what}${said}`);
}
