// Glassbox's own API: GET /glassbox/v1/info and POST /glassbox/v1/<method> for every remote engine method (wire JSON).
import { fromWireJson, toWireJson } from '../client/wire-json';
import type { QuickMethod } from '../client/engine-backend';
import type { StreamingMethod } from '../protocol/engine-methods';
import {
  GLASSBOX_API_PREFIX,
  GLASSBOX_INFO_PATH,
  REMOTE_ENGINE_METHODS,
  type RemoteEngineMethod,
  type ServerInfo,
} from '../protocol/server-api';
import { sendJson } from './http-errors';
import type { Route, RouteContext } from './route';
import { SseWriter } from './sse';

const STREAMED: ReadonlySet<string> = new Set<StreamingMethod>(['model/generate', 'model/score']);

/** The methods the engine runs one at a time with the model (they take a place in the queue). */
const USES_MODEL: ReadonlySet<RemoteEngineMethod> = new Set<RemoteEngineMethod>([
  'model/generate',
  'model/score',
  'inspect/run',
  'inspect/attention',
  'inspect/thumbnails',
  'inspect/lens',
  'inspect/neighbours',
  'inspect/release',
  'step/start',
  'step/append',
]);

function quick(method: QuickMethod): Route['handle'] {
  return async (ctx: RouteContext) => {
    const result = await ctx.engine.request(method, ctx.body as never, { signal: ctx.signal });
    sendJson(ctx.res, 200, toWireJson({ result: result ?? null }));
  };
}

function streamed(method: StreamingMethod): Route['handle'] {
  return async (ctx: RouteContext) => {
    const sse = new SseWriter(ctx.res);
    await ctx.engine.stream(method, ctx.body as never, (chunk) => sse.send(toWireJson({ chunk })), {
      signal: ctx.signal,
    });
    sse.send(JSON.stringify({ done: true }));
    sse.end();
  };
}

export function glassboxRoutes(): Route[] {
  const info: Route = {
    method: 'GET',
    path: GLASSBOX_INFO_PATH,
    usesModel: false,
    handle: async (ctx) => {
      const body: ServerInfo = {
        server: 'glassbox',
        version: ctx.version,
        model: ctx.model,
        methods: [...REMOTE_ENGINE_METHODS],
      };
      sendJson(ctx.res, 200, toWireJson(body));
    },
  };
  return [
    info,
    ...REMOTE_ENGINE_METHODS.map((method): Route => ({
      method: 'POST',
      path: `${GLASSBOX_API_PREFIX}${method}`,
      usesModel: USES_MODEL.has(method),
      parse: fromWireJson,
      handle: STREAMED.has(method) ? streamed(method as StreamingMethod) : quick(method as QuickMethod),
    })),
  ];
}
