// The local engine backend: forks dist/engine.js; typed calls and streams, cancel, liveness pings, deadlines, restarts.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Envelope, ErrorInfo, RequestId } from '../protocol/envelope';
import type { EngineBackend } from './engine-backend';
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

/**
 * A failed engine call; `code` is the engine's error code, or the client's own: `engine-exited` (the process died),
 * `engine-unresponsive` (it stopped answering pings and was killed), `timeout` (a quick method's deadline passed),
 * `engine-disposed`.
 */
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
  /** Told when the engine process exits unexpectedly (or after the client killed it for not answering). */
  onExit?: (info: { code: number | null; signal: NodeJS.Signals | null }) => void;
  /** While requests are in flight, a ping is sent this long after the last pong (default 3 s). */
  livenessIntervalMs?: number;
  /** A ping unanswered this long means the engine is hung: it is killed and its requests fail (default 10 s). */
  livenessTimeoutMs?: number;
  /** The deadline of each quick method (QUICK_METHODS; default 10 s). */
  quickTimeoutMs?: number;
}

/**
 * Deadlines. Two mechanisms, so that no caller waits forever and no long call is cut short:
 *
 * - Liveness, for every call: while at least one request is in flight (and only then) the client pings the engine
 *   every `livenessIntervalMs`. The engine's IPC thread answers pings at once, even during a model load or a long
 *   forward pass (src/engine/main.ts runs the model on a worker thread), so a ping unanswered for `livenessTimeoutMs`
 *   means the process is stopped or wedged (SIGSTOP, a frozen machine, a stuck IPC channel). The client then kills it
 *   with SIGKILL and rejects every in-flight request with `engine-unresponsive`; the next request starts a new engine
 *   and replays the last model/load, as after a crash. Long methods (model/load, model/generate, inspect/*, step/*,
 *   model/score) have no deadline of their own: they take as long as the model needs while the engine stays alive.
 * - A deadline for the quick methods below, which answer in milliseconds unless the engine's model thread is busy
 *   with one long native call: no answer within `quickTimeoutMs` rejects that call alone with `timeout` (the engine is
 *   told to cancel it and its late answer is dropped); the engine is left running.
 */
const QUICK_METHODS: ReadonlySet<string> = new Set([
  'engine/ping',
  'model/info',
  'model/tokenize',
  'model/countTokens',
  'model/detokenize',
]);

/** "10 s", "0.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onChunk?: (chunk: unknown) => void;
}

export class EngineClient implements EngineBackend {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<RequestId, Pending>();
  private nextId = 1;
  /** The last model/load that succeeded: replayed into a restarted engine. */
  private lastLoad: LoadParams | undefined;
  private restoring: Promise<unknown> | undefined;
  private disposed = false;
  /** The liveness loop: the next ping's timer, or the unanswered ping and its deadline. */
  private liveness: { next?: NodeJS.Timeout; ping?: RequestId; deadline?: NodeJS.Timeout } | undefined;
  private pings = 0;

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
    this.stopLiveness();
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
      this.stopLiveness();
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
      this.stopLiveness();
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
      const deadlineMs = this.options.quickTimeoutMs ?? 10_000;
      const deadline = QUICK_METHODS.has(method)
        ? setTimeout(() => {
            if (this.pending.get(id) !== pending) return;
            this.pending.delete(id);
            this.notify('engine/cancel', { id });
            pending.reject(
              new EngineCallError(
                'timeout',
                `${method}: the engine did not answer within ${seconds(deadlineMs)}`,
              ),
            );
          }, deadlineMs)
        : undefined;
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(deadline);
      };
      pending.resolve = (v) => (cleanup(), resolve(v));
      pending.reject = (e) => (cleanup(), reject(e));
      child.send({ id, method, params });
      this.watch();
    });
  }

  /** Starts the liveness loop if requests are in flight and it is not running (see QUICK_METHODS' comment). */
  private watch(): void {
    if (this.liveness || this.pending.size === 0 || !this.child) return;
    this.liveness = {};
    this.scheduleLivenessPing();
  }

  private scheduleLivenessPing(): void {
    const liveness = this.liveness;
    if (!liveness) return;
    liveness.next = setTimeout(() => this.sendLivenessPing(), this.options.livenessIntervalMs ?? 3_000);
    liveness.next.unref();
  }

  private sendLivenessPing(): void {
    const liveness = this.liveness;
    const child = this.child;
    if (!liveness) return;
    // idle or gone: no ping (the next request starts the loop again)
    if (this.pending.size === 0 || !child?.connected) return this.stopLiveness();
    // string ids never collide with the numeric ids of requests
    const id = `liveness-${++this.pings}`;
    liveness.ping = id;
    const timeoutMs = this.options.livenessTimeoutMs ?? 10_000;
    liveness.deadline = setTimeout(
      // timers run before I/O callbacks: let a pong already read from the channel arrive first
      () => setImmediate(() => liveness.ping === id && this.hung(child, timeoutMs)),
      timeoutMs,
    );
    liveness.deadline.unref();
    child.send({ id, method: 'engine/ping' });
  }

  /** A liveness ping's answer (any answer: even an error proves the engine reads its channel). */
  private livenessAnswer(id: RequestId): boolean {
    const liveness = this.liveness;
    if (typeof id !== 'string' || !id.startsWith('liveness-')) return false;
    if (liveness?.ping === id) {
      clearTimeout(liveness.deadline);
      delete liveness.ping;
      delete liveness.deadline;
      if (this.pending.size > 0) this.scheduleLivenessPing();
      else this.stopLiveness();
    }
    return true;
  }

  private stopLiveness(): void {
    if (!this.liveness) return;
    clearTimeout(this.liveness.next);
    clearTimeout(this.liveness.deadline);
    this.liveness = undefined;
  }

  /** The engine did not answer a ping in time: kill it and fail what it was doing; the next call starts another. */
  private hung(child: ChildProcess, silentMs: number): void {
    this.stopLiveness();
    if (this.child !== child) return;
    // no requests left: nobody waits on it; the next request's liveness loop will find it hung if it still is
    if (this.pending.size === 0) return;
    this.child = undefined;
    child.once('exit', (code, signal) => this.options.onExit?.({ code, signal }));
    if (child.connected) child.disconnect();
    child.kill('SIGKILL');
    this.failAll(
      'engine-unresponsive',
      `the engine stopped answering for ${seconds(silentMs)} and was killed; the next call starts a new engine`,
    );
  }

  private notify<N extends keyof EngineNotifications>(method: N, params: EngineNotifications[N]): void {
    if (this.child?.connected) this.child.send({ method, params });
  }

  private receive(message: Envelope): void {
    if (typeof message !== 'object' || message === null || !('id' in message)) return;
    if (this.livenessAnswer(message.id)) return;
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
