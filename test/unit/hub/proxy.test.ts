// Downloads through an HTTP proxy (a CONNECT tunnel on 127.0.0.1), as VS Code's http.proxy or HTTPS_PROXY asks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadModel } from '../../../src/hub/model-download';
import { proxyFetch } from '../../../src/hub/proxy-fetch';
import { repoFromFolder, startHubStandin, type HubStandin } from '../../support/hub-standin';
import { fixturesDir } from '../../support/model-folder';

const REPO = 'onnx-community/proxied';
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-proxy-'));
let hub: HubStandin;
let proxy: Server;
let proxyUrl = '';
const tunnels: string[] = [];
const sockets = new Set<Socket>();

before(async () => {
  hub = await startHubStandin([repoFromFolder(REPO, join(fixturesDir, 'hub', 'gemma2'))]);
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as { port: number };
  proxyUrl = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy.close(resolve));
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('with a proxy set, every Hub request goes through it and the model arrives whole', async () => {
  const viaProxy = proxyFetch({ url: proxyUrl });
  assert.ok(viaProxy);
  const r = await downloadModel({
    repo: REPO,
    dtype: 'fp32',
    cacheDir: join(tmp, 'hub'),
    endpoint: hub.url,
    fetch: viaProxy,
  });
  const hubHost = new URL(hub.url).host;
  assert.ok(tunnels.length > 0 && tunnels.every((t) => t === hubHost), `tunnels: ${tunnels.join(', ')}`);
  const original = readFileSync(join(fixturesDir, 'hub', 'gemma2', 'onnx', 'model.onnx'));
  assert.deepEqual(readFileSync(join(r.path, 'onnx', 'model.onnx')), original);
});

test('no proxy configured: plain fetch; HTTPS_PROXY in the environment: a proxied one', () => {
  assert.equal(proxyFetch({}, {}), undefined);
  assert.equal(typeof proxyFetch({}, { HTTPS_PROXY: proxyUrl }), 'function');
});
