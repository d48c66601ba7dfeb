// What `glassbox serve` offers over HTTP besides the OpenAI API: its routes, its info, its stream items and error shape.
import type { ErrorInfo } from './envelope';
import type { EngineMethod, ModelInfo } from './engine-methods';

/**
 * Glassbox's own endpoints live under this prefix. Each engine method except `model/load` (the server's model is fixed by
 * `--model`) is `POST <prefix><method>`, e.g. `POST /glassbox/v1/inspect/run`, with the method's params as the JSON body
 * (typed arrays encoded by src/client/wire-json.ts). A quick method answers `200 { "result": ... }`. A streamed method
 * (model/generate, model/score) answers `200 text/event-stream`: one `data: <ServerStreamItem JSON>` event per item,
 * ending with `{ "done": true }` or `{ "error": ... }`. Closing the request cancels the work. Any failure before the
 * first byte is an HTTP error status with a GlassboxHttpError body.
 */
export const GLASSBOX_API_PREFIX = '/glassbox/v1/';

/** `GET /glassbox/v1/info`: proves the server is a Glassbox server and names its model. */
export const GLASSBOX_INFO_PATH = '/glassbox/v1/info';

/** The engine methods a client may call over HTTP (everything but model/load). */
export const REMOTE_ENGINE_METHODS = [
  'engine/ping',
  'model/info',
  'model/generate',
  'model/score',
  'model/countTokens',
  'model/tokenize',
  'model/detokenize',
  'inspect/run',
  'inspect/attention',
  'inspect/thumbnails',
  'inspect/lens',
  'inspect/neighbours',
  'inspect/release',
  'step/start',
  'step/append',
  'step/sample',
  'step/release',
] as const satisfies readonly EngineMethod[];
export type RemoteEngineMethod = (typeof REMOTE_ENGINE_METHODS)[number];

export interface ServerInfo {
  server: 'glassbox';
  version: string;
  /** The served model; `dir` is the server's own path (informational only). */
  model: ModelInfo;
  methods: RemoteEngineMethod[];
}

export type ServerStreamItem<C = unknown> = { chunk: C } | { done: true } | { error: ErrorInfo };

/**
 * Every error the server sends, in OpenAI's shape so that OpenAI clients read it; `code` is a Glassbox ErrorCode
 * (`bad-params`, `context-length`, `queue-full`, `unauthorized`...), `type` OpenAI's category.
 */
export interface GlassboxHttpError {
  error: {
    message: string;
    type:
      | 'invalid_request_error'
      | 'authentication_error'
      | 'rate_limit_error'
      | 'server_error'
      | 'not_found_error';
    param: string | null;
    code: string;
  };
}
