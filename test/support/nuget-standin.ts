// Test support: a NuGet v3 feed stand-in on 127.0.0.1 (service index, registration leaf, catalog entry, flat container).
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenOnLoopback } from './loopback-server';

export interface StandinPackage {
  id: string;
  version: string;
  bytes: Uint8Array;
  /** The packageHash the catalog publishes; default the real SHA-512 (base64) of `bytes`. */
  packageHash?: string;
  /** Leave packageHash and packageHashAlgorithm out of the catalog entry. */
  noHash?: boolean;
}

export interface NugetStandin {
  /** The service index URL, `http://127.0.0.1:PORT/v3/index.json`. */
  feed: string;
  /** Paths requested, in order. */
  requests: string[];
  /**
   * How the .nupkg is sent: whole (default); `stall`: the first `afterBytes` bytes, then nothing until the client
   * gives up; `slow`: in 64 KiB chunks `delayMs` apart.
   */
  body: { kind: 'whole' } | { kind: 'stall'; afterBytes: number } | { kind: 'slow'; delayMs: number };
  close(): Promise<void>;
}

/** The SHA-512 of `bytes`, base64, as NuGet's catalog writes packageHash. */
export const sha512Base64 = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('base64');

export async function startNugetStandin(packages: StandinPackage[]): Promise<NugetStandin> {
  const timers = new Set<NodeJS.Timeout>();
  let base = '';
  const key = (id: string, version: string) => `${id.toLowerCase()}/${version.toLowerCase()}`;
  const byKey = new Map(packages.map((p) => [key(p.id, p.version), p]));
  const state: NugetStandin = {
    feed: '',
    requests: [],
    body: { kind: 'whole' },
    close: async () => undefined,
  };

  // nuget.org answers registrations gzip-encoded (RegistrationsBaseUrl/3.6.0): so does the stand-in
  const json = (res: ServerResponse, value: unknown, gzip = false) => {
    const text = Buffer.from(JSON.stringify(value));
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(gzip ? gzipSync(text) : text);
  };
  const notFound = (res: ServerResponse) => {
    res.writeHead(404, { 'Content-Type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code></Error>');
  };

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', base).pathname);
    state.requests.push(path);
    let m: RegExpExecArray | null;
    if (path === '/v3/index.json') {
      return json(res, {
        version: '3.0.0',
        resources: [
          { '@id': `${base}/v3/query`, '@type': 'SearchQueryService' },
          { '@id': `${base}/v3/registration5-semver1/`, '@type': 'RegistrationsBaseUrl' },
          { '@id': `${base}/v3/registration5-gz-semver2/`, '@type': 'RegistrationsBaseUrl/3.6.0' },
          { '@id': `${base}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' },
        ],
      });
    }
    if ((m = /^\/v3\/registration5-gz-semver2\/([^/]+)\/([^/]+)\.json$/.exec(path))) {
      const p = byKey.get(`${m[1]}/${m[2]}`);
      if (!p || m[1] !== m[1]?.toLowerCase()) return notFound(res);
      const k = key(p.id, p.version);
      return json(
        res,
        {
          '@id': `${base}${path}`,
          '@type': ['Package', 'http://schema.nuget.org/catalog#Permalink'],
          catalogEntry: `${base}/v3/catalog0/data/2026.01.01.00.00.00/${k.replace('/', '.')}.json`,
          listed: true,
          packageContent: `${base}/v3-flatcontainer/${k}/${k.replace('/', '.')}.nupkg`,
          published: '2026-01-01T00:00:00+00:00',
          registration: `${base}/v3/registration5-gz-semver2/${m[1]}/index.json`,
        },
        true,
      );
    }
    if ((m = /^\/v3\/catalog0\/data\/[^/]+\/(.+)\.json$/.exec(path))) {
      const p = packages.find((x) => `${x.id}.${x.version}`.toLowerCase() === m?.[1]);
      if (!p) return notFound(res);
      return json(res, {
        '@id': `${base}${path}`,
        '@type': ['PackageDetails', 'catalog:Permalink'],
        id: p.id,
        version: p.version,
        ...(p.noHash
          ? {}
          : { packageHash: p.packageHash ?? sha512Base64(p.bytes), packageHashAlgorithm: 'SHA512' }),
        packageSize: p.bytes.length,
        published: '2026-01-01T00:00:00+00:00',
      });
    }
    if ((m = /^\/v3-flatcontainer\/([^/]+)\/([^/]+)\/([^/]+)\.nupkg$/.exec(path))) {
      const p = byKey.get(`${m[1]}/${m[2]}`);
      if (!p || m[3] !== `${m[1]}.${m[2]}`) return notFound(res);
      const bytes = Buffer.from(p.bytes);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
      const body = state.body;
      if (body.kind === 'whole') return res.end(bytes);
      if (body.kind === 'stall') return void res.write(bytes.subarray(0, body.afterBytes)); // and nothing more
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        const chunk = bytes.subarray(at, at + 65536);
        at += chunk.length;
        if (at >= bytes.length) return void res.end(chunk);
        res.write(chunk);
        const t = setTimeout(() => {
          timers.delete(t);
          next();
        }, body.delayMs);
        timers.add(t);
      };
      return next();
    }
    notFound(res);
  });
  const listening = await listenOnLoopback(server, 'nuget stand-in');
  base = listening.url;
  state.feed = `${base}/v3/index.json`;
  state.close = () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    listening.destroySockets();
    return closed;
  };
  return state;
}
