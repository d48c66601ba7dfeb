// The engine backend the host calls: the local engine process, or a server while glassbox.backend is `openai`.
import type { EngineBackend } from '../../client/engine-backend';
import type { EngineChunk, EngineParams, EngineResult, StreamingMethod } from '../../protocol/engine-methods';
import type { QuickMethod } from '../../client/engine-backend';

/**
 * Everything in the host holds this one object; the model manager points it at the local engine or at a remote
 * backend when the settings change. A call goes to the backend that was current when it started.
 */
export class BackendSwitch implements EngineBackend {
  private current: EngineBackend;

  constructor(readonly local: EngineBackend) {
    this.current = local;
  }

  get isRemote(): boolean {
    return this.current !== this.local;
  }

  /** Uses `backend` from now on; a previous remote backend is disposed (its open requests fail or finish). */
  use(backend: EngineBackend): void {
    const previous = this.current;
    this.current = backend;
    if (previous !== this.local && previous !== backend) previous.dispose();
  }

  request<M extends QuickMethod>(
    method: M,
    params: EngineParams<M>,
    options?: { signal?: AbortSignal },
  ): Promise<EngineResult<M>> {
    return this.current.request(method, params, options);
  }

  stream<M extends StreamingMethod>(
    method: M,
    params: EngineParams<M>,
    onChunk: (chunk: EngineChunk<M>) => void,
    options?: { signal?: AbortSignal },
  ): Promise<void> {
    return this.current.stream(method, params, onChunk, options);
  }

  dispose(): void {
    if (this.current !== this.local) this.current.dispose();
    this.local.dispose();
  }
}
