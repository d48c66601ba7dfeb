// Test support: starts an HTTP server on 127.0.0.1 (a free port) and keeps its sockets, so a stand-in can close at once.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Listens on 127.0.0.1; resolves with its base URL and a function that destroys every open socket. */
export async function listenOnLoopback(
  server: Server,
  name: string,
): Promise<{ url: string; destroySockets: () => void }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`${name}: no TCP address`);
  return {
    url: `http://127.0.0.1:${address.port}`,
    destroySockets: () => {
      for (const s of sockets) s.destroy();
    },
  };
}
