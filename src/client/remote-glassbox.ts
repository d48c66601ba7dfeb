// The EngineBackend of a `glassbox serve`: every engine method but model/load over HTTP (server-api.ts).
import type {
  EngineChunk,
  EngineParams,
  EngineResult,
  ModelInfo,
  StreamingMethod,
} from '../protocol/engine-methods';
import { isErrorCode } from '../protocol/errors';
import { GLASSBOX_API_PREFIX, REMOTE_ENGINE_METHODS, type ServerInfo } from '../protocol/server-api';
import type { EngineBackend, QuickMethod } from './engine-backend';
import { EngineCallError } from './engine-client';
import type { HttpJson } from './http-json';
import { allViewsAvailable } from './remote-views';
import { field, object } from './response-fields';
import { fromWireJson, toWireJson } from './wire-json';

/** Methods that answer at once; the others get the long deadlines (first byte, idle). */
const QUICK: ReadonlySet<string> = new Set([
  'engine/ping',
  'model/info',
  'model/tokenize',
  'model/countTokens',
  'model/detokenize',
  'inspect/release',
  'step/release',
]);

/** Checks `GET /glassbox/v1/info`'s answer. */
export function serverInfo(answer: unknown, where: string): ServerInfo {
  const o = object(answer, where);
  if (o.server !== 'glassbox')
    throw new EngineCallError('bad-response', `${where}: "server" is not "glassbox"`);
  object(field(o, 'model', where), `${where} model`);
  return o as unknown as ServerInfo;
}

export class RemoteGlassbox implements EngineBackend {
  private readonly closing = new AbortController();

  /** `models`: what the server lists (GET /v1/models), else its model's name. */
  constructor(
    private readonly http: HttpJson,
    private readonly models: string[],
  ) {}

  /** The served model with `remote` filled in: a Glassbox server gives every view. */
  withRemote(model: ModelInfo): ModelInfo {
    return {
      ...model,
      remote: { kind: 'glassbox', baseUrl: this.http.root, models: this.models, views: allViewsAvailable() },
    };
  }

  async request<M extends QuickMethod>(
    method: M,
    params: EngineParams<M>,
    options: { signal?: AbortSignal } = {},
  ): Promise<EngineResult<M>> {
    this.check(method);
    const path = `${GLASSBOX_API_PREFIX}${method}`;
    const answer = await this.call(options.signal, (signal) =>
      this.http.postJson(path, params ?? {}, {
        signal,
        long: !QUICK.has(method),
        encode: toWireJson,
        decode: fromWireJson,
      }),
    );
    const result = field(object(answer, `${method}'s answer`), 'result', `${method}'s answer`);
    if (method === 'model/info' && result !== null)
      return this.withRemote(object(result, 'model/info') as unknown as ModelInfo) as EngineResult<M>;
    return result as EngineResult<M>;
  }

  async stream<M extends StreamingMethod>(
    method: M,
    params: EngineParams<M>,
    onChunk: (chunk: EngineChunk<M>) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    this.check(method);
    let done = false;
    await this.call(options.signal, (signal) =>
      this.http.postStream(
        `${GLASSBOX_API_PREFIX}${method}`,
        params,
        (data) => {
          const item = object(data, `${method}'s stream item`);
          if ('chunk' in item) return onChunk(item.chunk as EngineChunk<M>);
          if (item.done === true) {
            done = true;
            return 'stop';
          }
          if ('error' in item) {
            const error = object(item.error, `${method}'s stream error`);
            const code = isErrorCode(error.code) ? error.code : 'internal';
            throw new EngineCallError(
              code,
              typeof error.message === 'string' ? error.message : JSON.stringify(error),
            );
          }
          throw new EngineCallError(
            'bad-response',
            `${method}: a stream item that is not chunk, done or error`,
          );
        },
        { signal, encode: toWireJson, decode: fromWireJson },
      ),
    );
    if (!done)
      throw new EngineCallError('bad-response', `${method}: the stream ended before the server said done`);
  }

  /** Fails every request still open (with engine-disposed) and any later one. */
  dispose(): void {
    this.closing.abort();
  }

  private check(method: string): void {
    if (this.closing.signal.aborted)
      throw new EngineCallError('engine-disposed', 'the remote backend was disposed');
    if (method === 'model/load') {
      throw new EngineCallError(
        'unsupported',
        'a Glassbox server serves one model: it is chosen where the server runs (glassbox serve --model <folder>)',
      );
    }
    if (!(REMOTE_ENGINE_METHODS as readonly string[]).includes(method))
      throw new EngineCallError('unsupported', `${method} is not offered over HTTP by glassbox serve`);
  }

  private async call<T>(
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const both = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    try {
      return await run(both);
    } catch (e) {
      if (this.closing.signal.aborted && !signal?.aborted)
        throw new EngineCallError('engine-disposed', 'the remote backend was disposed');
      throw e;
    }
  }
}
