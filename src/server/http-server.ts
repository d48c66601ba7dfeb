// The HTTP front of `glassbox serve`: routing, 404/405, API key, health while loading, the model queue, bodies, errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineBackend } from '../client/engine-backend';
import type { ModelInfo } from '../protocol/engine-methods';
import { Admission } from './admission';
import { checkApiKey } from './auth';
import { glassboxRoutes } from './glassbox-routes';
import { errorBody, HttpError, sendError, sendJson, toHttpError } from './http-errors';
import { openAIRoutes } from './openai-routes';
import { parseBody, readBody } from './request-body';
import type { Route } from './route';
import { tokenizeRoutes } from './tokenize-routes';

export interface GlassboxServerOptions {
  engine: EngineBackend;
  /** The server's version (GET /glassbox/v1/info). */
  version: string;
  /** When set, every route but GET /health needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Model requests held at once, running and waiting (default 16); more get 429. */
  maxQueue?: number;
  /** Largest request body taken (default 4 MiB); more gets 413. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_QUEUE = 16;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export class GlassboxServer {
  private model: ModelInfo | undefined;
  private readonly routes = new Map<string, Route[]>();
  readonly admission: Admission;

  constructor(private readonly options: GlassboxServerOptions) {
    this.admission = new Admission(options.maxQueue ?? DEFAULT_MAX_QUEUE);
    for (const route of [...openAIRoutes, ...tokenizeRoutes, ...glassboxRoutes()]) {
      this.routes.set(route.path, [...(this.routes.get(route.path) ?? []), route]);
    }
  }

  /** The model is loaded: requests are served from now on (until then /health says 503). */
  ready(model: ModelInfo): void {
    this.model = model;
  }

  /** The request listener for node:http's createServer. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.dispatch(req, res);
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    // the client went away before the answer was complete: cancel what the engine does for it
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let leave: (() => void) | undefined;
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/health' && req.method === 'GET') return this.health(res);
      const route = this.route(path, req.method ?? '');
      if (this.options.apiKey !== undefined) checkApiKey(req, this.options.apiKey);
      const model = this.model;
      if (!model)
        throw new HttpError(503, 'no-model', 'the model is still loading; retry shortly', null, {
          'retry-after': '1',
        });
      if (route.usesModel) leave = this.admission.enter();
      const body =
        req.method === 'POST'
          ? parseBody(
              await readBody(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
              route.parse ?? JSON.parse,
            )
          : undefined;
      await route.handle({
        req,
        res,
        body,
        signal: controller.signal,
        engine: this.options.engine,
        model,
        version: this.options.version,
      });
    } catch (e) {
      this.fail(res, e, controller.signal);
    } finally {
      leave?.();
    }
  }

  private route(path: string, method: string): Route {
    const candidates = this.routes.get(path);
    if (!candidates) throw new HttpError(404, 'not-found', `no route ${method} ${path}`.slice(0, 300));
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      const allow = candidates.map((r) => r.method).join(', ');
      throw new HttpError(405, 'bad-params', `${path} takes ${allow}, not ${method}`.slice(0, 300), null, {
        allow,
      });
    }
    return route;
  }

  private health(res: ServerResponse): void {
    if (this.model) return sendJson(res, 200, JSON.stringify({ status: 'ok' }));
    sendError(
      res,
      new HttpError(503, 'no-model', 'the model is still loading', null, { 'retry-after': '1' }),
    );
  }

  /** An error before the answer began is an HTTP status; inside an event stream it is the stream's last event. */
  private fail(res: ServerResponse, e: unknown, signal: AbortSignal): void {
    if (signal.aborted || res.destroyed) return;
    if (!res.headersSent) return sendError(res, e);
    if (!res.writableEnded) {
      res.write(`data: ${JSON.stringify(errorBody(toHttpError(e)))}\n\n`);
      res.end();
    }
  }
}
