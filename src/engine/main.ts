// Engine child-process entry (forked by the host): the IPC thread answers pings, a worker thread runs EngineService.

// onnxruntime-node creates sessions and runs them synchronously on the calling thread (a model load or a long forward
// pass blocks that thread's event loop for its whole length). So the engine runs in two threads of one process:
//
// - the main thread owns the IPC channel. It answers `engine/ping` itself, at once, and relays everything else (requests,
//   `engine/cancel`) to the worker and every reply, chunk and done back to the host. A ping therefore proves that the
//   process runs and its channel works, even in the middle of a long load; the host's liveness check relies on that.
// - the worker thread (this same file, `isMainThread` false) runs the EngineService: loads, generation, inspection.
//
// A cancel reaches the handler as soon as the worker's event loop is free (between generation steps, before a queued
// request starts); no cancel can interrupt a single native ORT call. If the worker dies (an uncaught error), the process
// exits with code 1 and the host's client restarts it, as after a crash.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { Envelope, Request, RequestId } from '../protocol/envelope';
import type { EngineMethod } from '../protocol/engine-methods';
import { isRequest } from '../protocol/envelope-guards';

type Cancel = { method: 'engine/cancel'; params: { id: RequestId } };

function isCancel(message: unknown): message is Cancel {
  const m = message as { method?: unknown; params?: { id?: unknown } } | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    !('id' in m) &&
    m.method === 'engine/cancel' &&
    (typeof m.params?.id === 'number' || typeof m.params?.id === 'string')
  );
}

/** The main thread: the IPC channel, pings, and a relay to and from the worker. */
function runChannel(): void {
  if (!process.send) {
    process.stderr.write('glassbox engine: must be started with child_process.fork (no IPC channel)\n');
    process.exit(1);
  }
  const send = (message: Envelope) => process.send?.(message);
  const worker = new Worker(__filename);
  worker.on('message', (message: Envelope) => send(message));
  worker.on('error', (e) => {
    process.stderr.write(`glassbox engine: the engine thread failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
  worker.on('exit', (code) => {
    process.stderr.write(`glassbox engine: the engine thread exited (code ${code})\n`);
    process.exit(1);
  });

  process.on('message', (message: unknown) => {
    if (isCancel(message)) {
      worker.postMessage(message);
      return;
    }
    if (!isRequest(message)) {
      process.stderr.write('glassbox engine: ignored a message that is not a request envelope\n');
      return;
    }
    // answered here, never queued behind a load or a forward pass (a ping with params goes on to be refused)
    if (message.method === 'engine/ping' && message.params === undefined) {
      send({ id: message.id, result: { pong: true } });
      return;
    }
    worker.postMessage(message);
  });

  // Exit when the host goes away instead of lingering as an orphan.
  process.on('disconnect', () => process.exit(0));
}

/** The worker thread: the EngineService, one handler per request, cancel by request id. */
function runService(port: NonNullable<typeof parentPort>): void {
  // imported here, not at the top: the main thread never loads the model code (ONNX Runtime and the rest)
  // GLASSBOX_CACHE_DIR: the host names a folder of its own (VS Code's global storage) for derived files
  const loaded = import('./engine-service').then((m) => ({
    service: new m.EngineService(),
    errorInfo: m.errorInfo,
  }));
  const inFlight = new Map<RequestId, AbortController>();
  const send = (message: Envelope) => port.postMessage(message);

  async function handle(request: Request): Promise<void> {
    const { id, method } = request;
    const controller = new AbortController();
    inFlight.set(id, controller);
    const { service, errorInfo } = await loaded;
    try {
      // the method table says whether the answer is a stream (chunks, then done) or one reply
      const { streams } = service.method(method);
      const result = await service.handle(method as EngineMethod, request.params, {
        signal: controller.signal,
        stream: (chunk) => send({ id, chunk }),
      });
      send(streams ? { id, done: true } : { id, result });
    } catch (e) {
      send({ id, error: errorInfo(e) });
    } finally {
      inFlight.delete(id);
    }
  }

  port.on('message', (message: unknown) => {
    if (isCancel(message)) inFlight.get(message.params.id)?.abort();
    else if (isRequest(message)) void handle(message);
  });
}

if (isMainThread) runChannel();
else if (parentPort) runService(parentPort);
