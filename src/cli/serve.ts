// `glassbox serve`: the OpenAI-compatible and Glassbox HTTP API over one model, with the engine in a child process.
import { createServer } from 'node:http';
import { version } from '../../package.json';
import { EngineClient } from '../client/engine-client';
import { isLoopbackHost } from '../client/loopback';
import { DEFAULT_MAX_QUEUE, GlassboxServer } from '../server/http-server';
import { UsageError, type Args } from './args';
import { modelDir, providerChoice, type CliCommand, type CliIO } from './command';

/** Resolves when the process is told to stop (SIGINT, SIGTERM). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function run(args: Args, io: CliIO): Promise<number> {
  const host = args.string('host') ?? '127.0.0.1';
  const port = args.int('port', 0, 65_535) ?? 8080;
  const apiKey = args.string('api-key');
  const maxQueue = args.int('max-queue', 1, 100_000) ?? DEFAULT_MAX_QUEUE;
  if (apiKey === '') throw new UsageError('--api-key must not be empty');
  if (!isLoopbackHost(host) && apiKey === undefined) {
    throw new UsageError(
      `refusing to listen on ${host} without --api-key: other machines could use the model. ` +
        'Give --api-key KEY, or keep the default --host 127.0.0.1',
    );
  }
  const dir = modelDir(args.string('model'));
  const dtype = args.string('dtype');
  const threads = args.int('threads', 1, 1024);
  const ep = providerChoice(args);

  const engine = new EngineClient();
  const app = new GlassboxServer({ engine, version, maxQueue, ...(apiKey === undefined ? {} : { apiKey }) });
  const server = createServer(app.listener);
  const stopped = stopSignal();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    io.stderr(`glassbox serve: loading ${dir}\n`);
    const info = await Promise.race([
      engine.request('model/load', {
        dir,
        ep,
        ...(dtype === undefined ? {} : { dtype }),
        ...(threads === undefined ? {} : { threads }),
        ...(args.flag('exact-matmul') ? { cpuFastMath: false } : {}),
      }),
      stopped.then(() => undefined),
    ]);
    if (!info) return 0;
    app.ready(info);
    io.stdout(
      `glassbox serve: listening on http://${shown}:${bound} (model ${info.name} on ${info.executionProvider.used})\n`,
    );
    await stopped;
    io.stderr('glassbox serve: stopping\n');
    return 0;
  } finally {
    server.close();
    server.closeAllConnections();
    engine.dispose();
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the model over HTTP: the OpenAI API (/v1/...) and the inspector API (/glassbox/v1/...)',
  options: [
    { name: 'host', type: 'string', help: 'address to listen on (default 127.0.0.1; others need --api-key)' },
    { name: 'port', type: 'number', help: 'port to listen on (default 8080; 0: any free port)' },
    { name: 'api-key', type: 'string', help: 'require Authorization: Bearer KEY on every route but /health' },
    {
      name: 'max-queue',
      type: 'number',
      help: `model requests held at once, running and waiting; more get 429 (default ${DEFAULT_MAX_QUEUE})`,
    },
  ],
  run,
};
