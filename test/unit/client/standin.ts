// Test support: a loopback stand-in for a remote server that replays fixtures per route and records every request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenOnLoopback } from '../../support/loopback-server';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'remote');

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A route's answer: a JSON fixture, an SSE fixture, or a handler for what a test needs (stall, garbage...). */
export type Route =
  | { status?: number; json: string; headers?: Record<string, string> }
  | { sse: string }
  | ((req: IncomingMessage, res: ServerResponse, body: unknown) => void);

export interface StandIn {
  url: string;
  requests: Recorded[];
  /** Resolves when a request's socket on the stand-in closed (Stop closes the request). */
  closed: Promise<void>[];
  close(): Promise<void>;
}

/** Routes are keyed "GET /v1/models"; anything else answers 404 with an OpenAI-shaped error. */
export async function standIn(routes: Record<string, Route>): Promise<StandIn> {
  const requests: Recorded[] = [];
  const closed: Promise<void>[] = [];
  const server = createServer((req, res) => {
    closed.push(new Promise((resolve) => req.socket.once('close', () => resolve())));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // kept as text
      }
      const path = (req.url ?? '/').split('?')[0] as string;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const route = routes[`${req.method} ${path}`];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: `no route ${path}`, type: 'not_found_error', code: null } }),
        );
      } else if (typeof route === 'function') route(req, res, body);
      else if ('sse' in route) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(route.sse);
      } else {
        res.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers });
        res.end(route.json);
      }
    });
  });
  const { url, destroySockets } = await listenOnLoopback(server, 'remote stand-in');
  return {
    url,
    requests,
    closed,
    close: () =>
      new Promise((resolve) => {
        destroySockets();
        server.close(() => resolve());
      }),
  };
}
