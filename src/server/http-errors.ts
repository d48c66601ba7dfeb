// Every error the server sends, in OpenAI's shape: Glassbox error codes mapped to HTTP statuses and OpenAI types.
import type { ServerResponse } from 'node:http';
import type { GlassboxHttpError } from '../protocol/server-api';

type ErrorType = GlassboxHttpError['error']['type'];

/** A failure with its HTTP status; `code` is a Glassbox ErrorCode, `param` the request field at fault. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The engine's (and the engine client's) codes that are not a server fault. */
const STATUS_OF_CODE: Record<string, number> = {
  'bad-params': 400,
  'out-of-range': 400,
  'context-length': 400,
  'no-chat-template': 400,
  'bad-chat-template': 400,
  unavailable: 400,
  unsupported: 400,
  'inspection-gone': 404,
  'step-gone': 404,
  'not-found': 404,
  'unknown-method': 404,
  unauthorized: 401,
  'queue-full': 429,
  cancelled: 499,
  'no-model': 503,
};

export function typeOfStatus(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** Any thrown value as an HttpError: an engine call's code keeps its meaning, anything else is a 500. */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string') return new HttpError(STATUS_OF_CODE[code] ?? 500, code, message);
  return new HttpError(500, 'internal', message);
}

export function errorBody(e: HttpError): GlassboxHttpError {
  return { error: { message: e.message, type: typeOfStatus(e.status), param: e.param, code: e.code } };
}

/** Answers with the error unless the response has started (then the caller reports it in its stream). */
export function sendError(res: ServerResponse, e: unknown): void {
  const error = toHttpError(e);
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(errorBody(error));
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...error.headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
