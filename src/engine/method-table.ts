// What an engine method is: its params checker, its handler, and whether it answers with a stream.
import type { EngineChunk, EngineMethod, EngineParams, EngineResult } from '../protocol/engine-methods';

/** What a handler gets besides its params. */
export interface RequestContext<C = unknown> {
  signal: AbortSignal;
  /** Sends one stream item (streamed methods only). */
  stream(chunk: C): void;
}

/** True for the methods whose protocol entry declares a chunk type (answered with chunks, then done). */
type Streams<M extends EngineMethod> = [EngineChunk<M>] extends [never] ? false : true;

export interface MethodSpec<M extends EngineMethod> {
  streams: Streams<M>;
  /** The params rebuilt from checked fields; throws a bad-params error for anything else. */
  check(params: unknown): EngineParams<M>;
  handle(params: EngineParams<M>, context: RequestContext<EngineChunk<M>>): Promise<EngineResult<M>>;
}

/** Every protocol method, each with its spec: the compiler refuses a method without a checker or a handler. */
export type MethodTable = { [M in EngineMethod]: MethodSpec<M> };
