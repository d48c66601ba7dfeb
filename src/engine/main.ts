// Engine child-process entry (forked by the host): answers envelope requests over the IPC channel.
import type { Reply, Request } from '../protocol/envelope';
import type { EngineResult } from '../protocol/engine-methods';
import { isRequest } from './envelope-guards';

function send(reply: Reply): void {
  process.send?.(reply);
}

function handle(request: Request): Reply {
  switch (request.method) {
    case 'engine/ping': {
      const result: EngineResult<'engine/ping'> = { pong: true };
      return { id: request.id, result };
    }
    default:
      return {
        id: request.id,
        error: { code: 'unknown-method', message: `Unknown engine method: ${request.method}` },
      };
  }
}

if (!process.send) {
  process.stderr.write('glassbox engine: must be started with child_process.fork (no IPC channel)\n');
  process.exit(1);
}

process.on('message', (message: unknown) => {
  if (!isRequest(message)) {
    process.stderr.write('glassbox engine: ignored a message that is not a request envelope\n');
    return;
  }
  send(handle(message));
});

// Exit when the host goes away instead of lingering as an orphan.
process.on('disconnect', () => process.exit(0));
