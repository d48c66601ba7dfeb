// Test-only HTTP server on 127.0.0.1: serves dist/ and the panel page from the real webviewHtml() (real CSP and nonce).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { webviewHtml } from '../../../src/host/panel/webview-html';
import type { FakeHostConfig } from './fake-host-types';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
const dist = join(repoRoot, 'dist');

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
};

export interface PanelServer {
  origin: string;
  /** Every path the page asked for, in order (to prove nothing was fetched that should not be). */
  requested: string[];
  /** A URL of the panel page whose fake host starts from `config`. */
  pageUrl(config: FakeHostConfig): string;
  close(): Promise<void>;
}

/** The test host's page script, bundled once. */
async function fakeHostScript(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'fake-host.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export async function startPanelServer(): Promise<PanelServer> {
  const hostScript = await fakeHostScript();
  const theme = await readFile(join(import.meta.dirname, 'theme-dark.css'), 'utf8');
  const configs: FakeHostConfig[] = [];
  const requested: string[] = [];
  let origin = '';

  const page = (config: FakeHostConfig) => {
    const nonce = randomBytes(16).toString('base64');
    const html = webviewHtml({
      cspSource: origin,
      nonce,
      scriptUri: `${origin}/dist/webview.js`,
      styleUris: [`${origin}/dist/webview.css`, `${origin}/dist/codicon.css`, `${origin}/theme-dark.css`],
    });
    const fake =
      `<script type="application/json" id="fake-host-config">${scriptJson(config)}</script>\n` +
      `  <script nonce="${nonce}" src="${origin}/fake-host.js"></script>\n  <script type="module"`;
    return html.replace('<script type="module"', fake);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      requested.push(url.pathname);
      const send = (status: number, type: string, body: string | Buffer) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (url.pathname === '/panel.html') {
        const config = configs[Number(url.searchParams.get('config'))];
        return config
          ? send(200, types['.html'] ?? '', page(config))
          : send(404, 'text/plain', 'no such page');
      }
      if (url.pathname === '/favicon.ico') return send(204, 'text/plain', '');
      if (url.pathname === '/fake-host.js') return send(200, types['.js'] ?? '', hostScript);
      if (url.pathname === '/theme-dark.css') return send(200, types['.css'] ?? '', theme);
      if (url.pathname.startsWith('/dist/')) {
        const file = normalize(join(dist, decodeURIComponent(url.pathname.slice('/dist/'.length))));
        if (!file.startsWith(dist + sep)) return send(403, 'text/plain', 'forbidden');
        try {
          return send(200, types[extname(file)] ?? 'application/octet-stream', await readFile(file));
        } catch {
          return send(404, 'text/plain', 'not found');
        }
      }
      console.error(`[panel server] 404 ${url.pathname}`);
      send(404, 'text/plain', 'not found');
    })();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requested,
    pageUrl(config) {
      configs.push(config);
      return `${origin}/panel.html?config=${configs.length - 1}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
