// What the host needs of an engine, wherever it runs: typed calls and streams over EngineMethods (local or remote).
import type {
  EngineChunk,
  EngineMethod,
  EngineParams,
  EngineResult,
  StreamingMethod,
} from '../protocol/engine-methods';

export type QuickMethod = Exclude<EngineMethod, StreamingMethod>;

/**
 * An engine the host can call. EngineClient runs the engine in a child process; RemoteGlassbox calls a `glassbox serve`
 * over HTTP; OpenAIBackend maps what an OpenAI-compatible server can answer onto the same methods and refuses the rest
 * with `unsupported`. Failures are EngineCallError, whatever the transport.
 */
export interface EngineBackend {
  request<M extends QuickMethod>(
    method: M,
    params: EngineParams<M>,
    options?: { signal?: AbortSignal },
  ): Promise<EngineResult<M>>;
  stream<M extends StreamingMethod>(
    method: M,
    params: EngineParams<M>,
    onChunk: (chunk: EngineChunk<M>) => void,
    options?: { signal?: AbortSignal },
  ): Promise<void>;
  dispose(): void;
}
