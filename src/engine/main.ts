// Engine child-process entry (forked by the host): envelope requests over IPC -> EngineService; streams, cancel, errors.
import type { Envelope, Request, RequestId } from '../protocol/envelope';
import type { EngineMethod } from '../protocol/engine-methods';
import { isRequest } from '../protocol/envelope-guards';
import { EngineService, errorInfo } from './engine-service';

// GLASSBOX_CACHE_DIR: the host names a folder of its own (VS Code's global storage) for derived files
const service = new EngineService();
const inFlight = new Map<RequestId, AbortController>();

function send(message: Envelope): void {
  process.send?.(message);
}

function isCancel(message: unknown): message is { method: 'engine/cancel'; params: { id: RequestId } } {
  const m = message as { method?: unknown; params?: { id?: unknown } } | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    !('id' in m) &&
    m.method === 'engine/cancel' &&
    (typeof m.params?.id === 'number' || typeof m.params?.id === 'string')
  );
}

async function handle(request: Request): Promise<void> {
  const { id, method } = request;
  const controller = new AbortController();
  inFlight.set(id, controller);
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

if (!process.send) {
  process.stderr.write('glassbox engine: must be started with child_process.fork (no IPC channel)\n');
  process.exit(1);
}

process.on('message', (message: unknown) => {
  if (isCancel(message)) {
    inFlight.get(message.params.id)?.abort();
    return;
  }
  if (!isRequest(message)) {
    process.stderr.write('glassbox engine: ignored a message that is not a request envelope\n');
    return;
  }
  void handle(message);
});

// Exit when the host goes away instead of lingering as an orphan.
process.on('disconnect', () => process.exit(0));
