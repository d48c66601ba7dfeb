// Host-side engine client: forks dist/engine.js, typed requests and streams, AbortSignal -> cancel, restart after a crash.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Envelope, ErrorInfo, RequestId } from '../protocol/envelope';
import { isErrorCode, type ErrorCode } from '../protocol/errors';
import type {
  EngineChunk,
  EngineMethod,
  EngineNotifications,
  EngineParams,
  EngineResult,
  LoadParams,
  StreamingMethod,
} from '../protocol/engine-methods';

/** A failed engine call; `code` is the engine's error code, or `engine-exited` when the process died. */
export class EngineCallError extends Error {
  override readonly name = 'EngineCallError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineClientOptions {
  /** The engine bundle (default: engine.js next to this bundle, i.e. dist/engine.js). */
  enginePath?: string;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the engine's stderr goes (default: this process's stderr). */
  onStderr?: (text: string) => void;
  /** Told when the engine process exits unexpectedly. */
  onExit?: (info: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onChunk?: (chunk: unknown) => void;
}

export class EngineClient {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<RequestId, Pending>();
  private nextId = 1;
  /** The last model/load that succeeded: replayed into a restarted engine. */
  private lastLoad: LoadParams | undefined;
  private restoring: Promise<unknown> | undefined;
  private disposed = false;

  constructor(private readonly options: EngineClientOptions = {}) {}

  /** Calls a method and resolves with its result. */
  async request<M extends Exclude<EngineMethod, StreamingMethod>>(
    method: M,
    params: EngineParams<M>,
    options: { signal?: AbortSignal } = {},
  ): Promise<EngineResult<M>> {
    await this.ready(method);
    const result = (await this.call(method, params, options.signal)) as EngineResult<M>;
    if (method === 'model/load') this.lastLoad = params as LoadParams;
    return result;
  }

  /** Calls a streamed method: `onChunk` gets every item; resolves when the engine says done. */
  async stream<M extends StreamingMethod>(
    method: M,
    params: EngineParams<M>,
    onChunk: (chunk: EngineChunk<M>) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.ready(method);
    await this.call(method, params, options.signal, onChunk as (c: unknown) => void);
  }

  /** The engine's process id while it runs (tests kill it to prove recovery). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  dispose(): void {
    this.disposed = true;
    const child = this.child;
    this.child = undefined;
    this.failAll('engine-disposed', 'the engine client was disposed');
    if (child?.connected) child.disconnect();
    child?.kill();
  }

  /** Starts the process if needed and, after a crash, reloads the last model before anything else runs. */
  private async ready(method: string): Promise<void> {
    if (this.disposed) throw new EngineCallError('engine-disposed', 'the engine client was disposed');
    if (!this.child) {
      this.start();
      if (this.lastLoad && method !== 'model/load') {
        const load = this.lastLoad;
        this.restoring = this.call('model/load', load).finally(() => (this.restoring = undefined));
      }
    }
    if (this.restoring && method !== 'model/load') await this.restoring;
  }

  private start(): void {
    const child = fork(this.options.enginePath ?? join(__dirname, 'engine.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      ...(this.options.execArgv ? { execArgv: this.options.execArgv } : {}),
      ...(this.options.env ? { env: this.options.env } : {}),
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) =>
      (this.options.onStderr ?? ((t) => process.stderr.write(t)))(text),
    );
    child.on('message', (message: unknown) => this.receive(message as Envelope));
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      this.failAll(
        'engine-exited',
        `the engine process ${how}; the request was lost (the next call starts a new engine)`,
      );
      this.options.onExit?.({ code, signal });
    });
    child.on('error', (e) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.failAll('engine-exited', `the engine process failed: ${e.message}`);
    });
    this.child = child;
  }

  private call(
    method: string,
    params: unknown,
    signal?: AbortSignal,
    onChunk?: (c: unknown) => void,
  ): Promise<unknown> {
    const child = this.child;
    if (!child?.connected) {
      return Promise.reject(new EngineCallError('engine-exited', 'the engine process is not running'));
    }
    if (signal?.aborted) return Promise.reject(new EngineCallError('cancelled', `${method} was cancelled`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const pending: Pending = { method, resolve, reject };
      if (onChunk) pending.onChunk = onChunk;
      this.pending.set(id, pending);
      const onAbort = () => this.notify('engine/cancel', { id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      pending.resolve = (v) => (cleanup(), resolve(v));
      pending.reject = (e) => (cleanup(), reject(e));
      child.send({ id, method, params });
    });
  }

  private notify<N extends keyof EngineNotifications>(method: N, params: EngineNotifications[N]): void {
    if (this.child?.connected) this.child.send({ method, params });
  }

  private receive(message: Envelope): void {
    if (typeof message !== 'object' || message === null || !('id' in message)) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if ('chunk' in message) {
      pending.onChunk?.(message.chunk);
    } else if ('done' in message) {
      this.pending.delete(message.id);
      pending.resolve(undefined);
    } else if ('error' in message) {
      this.pending.delete(message.id);
      const error = message.error as ErrorInfo;
      // the engine sends codes from the protocol's list; anything else is reported as internal
      pending.reject(new EngineCallError(isErrorCode(error.code) ? error.code : 'internal', error.message));
    } else if ('result' in message) {
      this.pending.delete(message.id);
      pending.resolve(message.result);
    }
  }

  private failAll(code: ErrorCode, message: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new EngineCallError(code, `${p.method}: ${message}`));
  }
}
