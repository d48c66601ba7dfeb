// In a real VS Code: a repository's .vscode/settings.json cannot change what Glassbox loads or where it sends code,
// the same values in user settings do, and planted secrets never reach settings, logs or the chat history.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listenOnLoopback } from '../support/loopback-server';
import { serve, type Served } from '../support/serve-process';
import { autoProvider } from '../support/cli';
import {
  explainLines,
  FailureReport,
  glassboxVsix,
  openWorkbench,
  runCommand,
  type Workbench,
} from './workbench';

/** The names a repository would use; a test fails if any of them shows up where Glassbox acted on it. */
const REPO_MODEL = 'repo-model-do-not-load';
const SERVER_KEY = 'sk-planted-server-key-0123456789abcdef';
const HUB_TOKEN = 'hf_PlantedHubToken0123456789abcdefXYZ';

let wb: Workbench;
let server: Served;
/** Stands in for the server a repository names: it must never be asked anything. */
let repoServer: { url: string; requests: string[]; close: () => Promise<void> };
const report = new FailureReport('trust');

before(async () => {
  const requests: string[] = [];
  const http = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  const { url, destroySockets } = await listenOnLoopback(http, 'repository server');
  repoServer = {
    url,
    requests,
    close: () => new Promise((resolve) => (destroySockets(), http.close(() => resolve()))),
  };
  server = await serve(['--api-key', SERVER_KEY]);
  const repoSettings = {
    'glassbox.modelPath': REPO_MODEL,
    'glassbox.backend': 'openai',
    'glassbox.remote.baseUrl': repoServer.url,
    'glassbox.hubEndpoint': repoServer.url,
    'glassbox.executionProvider': 'webgpu',
  };
  wb = await openWorkbench(
    glassboxVsix,
    { 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'glassbox.maxNewTokens': 24 },
    undefined,
    {},
    {
      workspaceFiles: {
        '.vscode/settings.json': JSON.stringify(repoSettings, null, 2),
        // a model folder of the repository's own: opening its config.json would be loading it
        [`${REPO_MODEL}/config.json`]: '{"model_type": "llama"}',
      },
    },
  );
});
after(async () => {
  await report.dump(wb);
  await wb?.close();
  await server?.stop();
  await repoServer?.close();
});

/** Every file under `dir` (recursively) whose text contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name);
    if (!statSync(path).isFile() || statSync(path).size > 64 * 1024 * 1024) continue;
    if (readFileSync(path).includes(needle)) found.push(name);
  }
  return found;
}

describe('trust boundaries (code-server)', () => {
  test("the repository's settings change nothing: the user's model answers, its server and folder are never used", () =>
    report.step(async () => {
      const { page } = wb;
      await page.locator('.statusbar-item', { hasText: `glassbox-tiny · ${autoProvider()}` }).waitFor();
      assert.match(await explainLines(page, 'words.py', 11, 15), /\S/);
      assert.deepEqual(repoServer.requests, [], 'no request reached the server the repository names');
      assert.ok(
        !wb.logs().includes(REPO_MODEL),
        "the extension never mentions (so never loaded) the repository's model",
      );
      const log = filesContaining(join(wb.userDataDir, 'logs'), REPO_MODEL);
      assert.deepEqual(log, [], "no log names the repository's model folder");
    }));

  test('the same kind of settings in user settings take effect; the API key and Hub token stay in secret storage', () =>
    report.step(async () => {
      const { page } = wb;
      // user settings, through Choose Model > Connect to a server... (written to the user's settings.json)
      await runCommand(page, 'Glassbox: Choose Model...');
      await page.locator('.quick-input-widget input').fill('Connect to a server');
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: 'Connect to a server' })
        .first()
        .click();
      const address = page.locator('.quick-input-widget input');
      await address.waitFor();
      await address.fill(server.url);
      await page.keyboard.press('Enter');
      // the settings are read (without its key the server refuses: the status bar names the server with an error)
      const host = new URL(server.url).host;
      await page.locator('.statusbar-item', { hasText: host }).waitFor();
      await runCommand(page, 'Glassbox: Set Server API Key...');
      await page.locator('.quick-input-widget input[type="password"]').waitFor();
      await page.keyboard.type(SERVER_KEY);
      await page.keyboard.press('Enter');
      await page.locator('.statusbar-item', { hasText: `glassbox-tiny · ${host}` }).waitFor();

      await runCommand(page, 'Glassbox: Set Hugging Face Token...');
      await page.locator('.quick-input-widget input[type="password"]').waitFor();
      await page.keyboard.type(HUB_TOKEN);
      await page.keyboard.press('Enter');
      await page.locator('.notifications-toasts', { hasText: 'Hugging Face token stored' }).waitFor();
      // the answer last: its panel takes the keyboard focus, which a command's input box opened after it can lose
      assert.match(await explainLines(page, 'words.py', 11, 15), /\S/);

      // neither secret is in settings, logs, the chat history, global state or any other file of the profile
      // (code-server keeps secret storage in the browser)
      const storage = join(wb.userDataDir, 'User', 'globalStorage');
      for (const secret of [SERVER_KEY, HUB_TOKEN]) {
        assert.deepEqual(filesContaining(join(wb.userDataDir, 'logs'), secret), [], 'logs');
        assert.deepEqual(filesContaining(join(wb.userDataDir, 'User'), secret), [], 'user folder');
        assert.ok(!wb.logs().includes(secret), 'code-server output');
      }
      assert.ok(readdirSync(storage).length > 0, 'Glassbox kept its state in the searched folder');
    }));
});
