// Every code a reply's error can carry, in one list (and its union type): engine, engine client, chat and panel.

/** What is wrong with a model folder that cannot be used (model/load). */
export const MODEL_FOLDER_ERROR_CODES = [
  'missing-file',
  /** The file is there but cannot be read (permissions, a link loop, a folder where a file should be). */
  'unreadable',
  'bad-json',
  'bad-config',
  'unknown-model-type',
  'bad-onnx',
  'graph-mismatch',
] as const;
export type ModelFolderErrorCode = (typeof MODEL_FOLDER_ERROR_CODES)[number];

export const ERROR_CODES = [
  // any channel
  'bad-params',
  'unknown-method',
  'cancelled',
  'internal',
  // the engine
  'no-model',
  ...MODEL_FOLDER_ERROR_CODES,
  'context-length',
  'no-chat-template',
  'bad-chat-template',
  'unavailable',
  'out-of-range',
  'inspection-gone',
  'step-gone',
  // the engine client (the host's side of the engine channel)
  'engine-exited',
  'engine-disposed',
  /** The engine stopped answering pings while requests were in flight; the client killed it (the next call restarts it). */
  'engine-unresponsive',
  /** A quick request (ping, model/info, tokenize, detokenize, countTokens) got no answer within its deadline. */
  'timeout',
  // remote backends (src/client/) and the server (src/server/)
  /** This backend cannot do what was asked (an OpenAI-compatible server has no attention maps); the message says why. */
  'unsupported',
  /** The server could not be reached (refused, DNS, TLS) or did not answer within its deadline. */
  'server-unreachable',
  /** The server answered with an error status; the message carries its own words. */
  'server-error',
  /** The server's answer is not what its API promises (not JSON, missing fields, a broken stream). */
  'bad-response',
  /** The server refused the API key (or none was given). */
  'unauthorized',
  /** The server's queue is full (HTTP 429); try again later. */
  'queue-full',
  // the chat service
  'not-found',
  'busy',
  'context-full',
] as const;

/** A stable kebab-case name for what went wrong; tests and the UI switch on it. */
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
