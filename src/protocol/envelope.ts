// The one message envelope shared by host, engine and webview (docs/ARCHITECTURE.md, "The protocol"); pure types.
import type { ErrorCode } from './errors';

/** Correlates a request with its reply or stream items; unique per sender and channel. */
export type RequestId = number | string;

/** A call: `method` is named `area/verb` (`chat/send`, `engine/ping`). */
export interface Request<M extends string = string, P = unknown> {
  id: RequestId;
  method: M;
  params?: P;
}

/** What went wrong; `code` is a short stable kebab-case name from the one list (`unknown-method`, `cancelled`). */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export interface ReplyOk<R = unknown> {
  id: RequestId;
  result: R;
}

export interface ReplyError {
  id: RequestId;
  error: ErrorInfo;
}

/** The single answer to a request: a result or an error, never both. */
export type Reply<R = unknown> = ReplyOk<R> | ReplyError;

/** One item of a streamed answer; the stream ends with a StreamDone carrying the same id. */
export interface StreamChunk<C = unknown> {
  id: RequestId;
  chunk: C;
}

export interface StreamDone {
  id: RequestId;
  done: true;
}

/** A fire-and-forget message; no id, no answer. */
export interface Notification<M extends string = string, P = unknown> {
  method: M;
  params?: P;
}

/** Anything that may travel on a channel. */
export type Envelope = Request | Reply | StreamChunk | StreamDone | Notification;
