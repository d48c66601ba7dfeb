// Runtime shape checks for envelopes arriving over a channel (untrusted input); no imports beyond types.
import type { ErrorInfo, Reply, Request, RequestId } from './envelope';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is RequestId {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '');
}

/** A `{ id, method, params? }` request whose method looks like `area/verb`. */
export function isRequest(value: unknown): value is Request {
  return (
    isRecord(value) &&
    isRequestId(value.id) &&
    typeof value.method === 'string' &&
    /^[a-z][\w-]*\/[\w-]+$/i.test(value.method)
  );
}

function isErrorInfo(value: unknown): value is ErrorInfo {
  return isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

/** A `{ id, result }` or `{ id, error: { code, message } }` reply (exactly one of the two). */
export function isReply(value: unknown): value is Reply {
  if (!isRecord(value) || !isRequestId(value.id)) return false;
  const hasResult = 'result' in value;
  const hasError = 'error' in value;
  return hasResult !== hasError && (hasResult || isErrorInfo(value.error));
}
