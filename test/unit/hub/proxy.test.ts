// Downloads through an HTTP proxy (a CONNECT tunnel on 127.0.0.1), as VS Code's http.proxy or HTTPS_PROXY asks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadModel } from '../../../src/hub/model-download';
import { proxyFetch } from '../../../src/hub/proxy-fetch';
import { startConnectProxy, type ConnectProxy } from '../../support/connect-proxy';
import { repoFromFolder, startHubStandin, type HubStandin } from '../../support/hub-standin';
import { fixturesDir } from '../../support/model-folder';

const REPO = 'onnx-community/proxied';
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-proxy-'));
let hub: HubStandin;
let proxy: ConnectProxy;

before(async () => {
  hub = await startHubStandin([repoFromFolder(REPO, join(fixturesDir, 'hub', 'gemma2'))]);
  proxy = await startConnectProxy();
});
after(async () => {
  await proxy.close();
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('with a proxy set, every Hub request goes through it and the model arrives whole', async () => {
  const viaProxy = proxyFetch({ url: proxy.url });
  assert.ok(viaProxy);
  const r = await downloadModel({
    repo: REPO,
    dtype: 'fp32',
    cacheDir: join(tmp, 'hub'),
    endpoint: hub.url,
    fetch: viaProxy,
  });
  const hubHost = new URL(hub.url).host;
  assert.ok(
    proxy.tunnels.length > 0 && proxy.tunnels.every((t) => t === hubHost),
    `tunnels: ${proxy.tunnels.join(', ')}`,
  );
  const original = readFileSync(join(fixturesDir, 'hub', 'gemma2', 'onnx', 'model.onnx'));
  assert.deepEqual(readFileSync(join(r.path, 'onnx', 'model.onnx')), original);
});

test('no proxy configured: plain fetch; HTTPS_PROXY in the environment: a proxied one', () => {
  assert.equal(proxyFetch({}, {}), undefined);
  assert.equal(typeof proxyFetch({}, { HTTPS_PROXY: proxy.url }), 'function');
});
