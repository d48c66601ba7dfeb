// What a route is (method, path, whether it holds a place in the model queue, its handler) and what a handler gets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineBackend } from '../client/engine-backend';
import type { ModelInfo } from '../protocol/engine-methods';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The parsed JSON body (POST routes), undefined when empty. */
  body: unknown;
  /** Aborted when the client goes away before the answer is complete: pass it to every engine call. */
  signal: AbortSignal;
  engine: EngineBackend;
  model: ModelInfo;
  version: string;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** True when the route runs the model: it takes a place in the queue (--max-queue) or gets 429. */
  usesModel: boolean;
  /** How the body is parsed (default JSON.parse; Glassbox routes decode typed arrays). */
  parse?: (text: string) => unknown;
  handle(ctx: RouteContext): Promise<void>;
}
