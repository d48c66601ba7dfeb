// In a real VS Code: Choose Model... offers cached models, downloads a catalog model from a Hub stand-in (progress in a
// notification and the panel, cancel, resume with Range), chats with it, and Manage Models deletes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { downloadModel } from '../../src/hub/model-download';
import { repoFromFolder, startHubStandin, type HubStandin } from '../support/hub-standin';
import { fixturesDir } from '../support/model-folder';
import { autoProvider } from '../support/cli';
import {
  artifacts,
  openAndSelect,
  openWorkbench,
  panelFrame,
  runCommand,
  until,
  type Workbench,
  glassboxVsix,
} from './workbench';

/** A catalog entry, served by the stand-in from a tiny fixture model in the same layout. */
const CATALOG_REPO = 'onnx-community/Qwen2.5-Coder-0.5B-Instruct';
const CATALOG_LABEL = 'Qwen2.5 Coder 0.5B Instruct';
/** A model the user already has in their Hugging Face cache. */
const CACHED_REPO = 'someone/cached-gemma';
const hfCache = mkdtempSync(join(tmpdir(), 'glassbox-it-hf-'));
let hub: HubStandin;
let wb: Workbench;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  hub = await startHubStandin([
    repoFromFolder(CATALOG_REPO, join(fixturesDir, 'hub', 'llama')),
    repoFromFolder(CACHED_REPO, join(fixturesDir, 'hub', 'gemma3')),
  ]);
  await downloadModel({ repo: CACHED_REPO, dtype: 'fp32', cacheDir: hfCache, endpoint: hub.url });
  wb = await openWorkbench(
    glassboxVsix,
    {
      'workbench.startupEditor': 'none',
      'chat.disableAIFeatures': true,
      'glassbox.hubEndpoint': hub.url,
      'glassbox.temperature': 0,
      'glassbox.maxNewTokens': 12,
    },
    undefined,
    { HF_HUB_CACHE: hfCache, HF_TOKEN: '' },
  );
});
let failed = false;
after(async () => {
  if (failed && wb) {
    await wb.page
      .screenshot({ path: join(artifacts, 'integration-models-failure.png') })
      .catch(() => undefined);
    console.log(wb.logs().slice(-4000));
  }
  await wb?.close();
  await hub?.close();
  rmSync(hfCache, { recursive: true, force: true });
});

/** Choose Model..., filtered to `text`, picking its first row. */
async function chooseRow(page: Page, text: string): Promise<void> {
  await runCommand(page, 'Glassbox: Choose Model...');
  await page.locator('.quick-input-widget input').fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor();
  await page.keyboard.press('Enter');
}

describe('models in code-server', () => {
  test('choose a catalog model: progress, cancel, resume, chat with it, delete it', async () => {
    try {
      await chooseDownloadChatDelete();
    } catch (e) {
      failed = true;
      throw e;
    }
  });
});

async function chooseDownloadChatDelete(): Promise<void> {
  const { page } = wb;
  await page.locator('.statusbar-item', { hasText: `glassbox-tiny · ${autoProvider()}` }).waitFor();
  await runCommand(page, 'Glassbox: Open Chat');
  const panel = await panelFrame(page);

  // the model already in the Hugging Face cache is offered on this machine, with no download
  await runCommand(page, 'Glassbox: Choose Model...');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: CACHED_REPO }).first().waitFor();
  await page.screenshot({ path: join(artifacts, 'integration-choose-model.png') });
  await page.keyboard.press('Escape');

  // a slow transfer, so that there is time to watch it and cancel it
  hub.addFault({
    repo: CATALOG_REPO,
    path: 'onnx/model_quantized.onnx',
    kind: 'slow',
    bytesPerSecond: 50_000,
  });
  await chooseRow(page, CATALOG_LABEL);
  const recommended = page.locator('.quick-input-list .monaco-list-row', { hasText: 'recommended' }).first();
  await recommended.waitFor();
  assert.match(await recommended.innerText(), /q8/);
  await page.keyboard.press('Enter');
  const toast = page.locator('.notification-toast', { hasText: `downloading ${CATALOG_REPO}` });
  await toast.waitFor();
  await panel.locator('.download-line', { hasText: CATALOG_REPO }).waitFor();
  await until(
    async () => /[1-9]\d*%/.test(await panel.locator('.download-line').innerText()),
    'the download shows progress in the panel',
  );
  await page.screenshot({ path: join(artifacts, 'integration-download.png') });
  await toast.hover();
  await toast.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('.notification-toast', { hasText: 'was cancelled' }).waitFor();
  await panel.locator('.download-line').waitFor({ state: 'detached' });

  // choosing it again resumes the partial file with a Range request
  const before = hub.requests.length;
  hub.clearFaults();
  await chooseRow(page, CATALOG_LABEL);
  await recommended.waitFor();
  await page.keyboard.press('Enter');
  await page
    .locator('.statusbar-item', { hasText: `Qwen2.5-Coder-0.5B-Instruct · ${autoProvider()}` })
    .waitFor({ timeout: 120_000 });
  const ranges = hub.requests
    .slice(before)
    .map((r) => /^bytes=(\d+)-$/.exec(r.headers.range ?? '')?.[1])
    .filter((x) => x !== undefined)
    .map(Number);
  assert.ok(
    ranges.some((x) => x > 0),
    `resumed with a Range: ${JSON.stringify(ranges)}`,
  );
  assert.match(await panel.locator('.status-line').innerText(), /Qwen2\.5-Coder-0\.5B-Instruct/);

  // it answers
  await openAndSelect(page, 'words.py', 11, 15);
  await runCommand(page, 'Glassbox: Explain Selection');
  const answer = panel.locator('article.state-done[aria-label="Answer from the model"]').last();
  await answer.waitFor({ timeout: 120_000 });
  assert.match(await answer.locator('.stats').innerText(), /\d+ tokens/);

  // Manage Models deletes it; Glassbox goes back to the bundled model
  await runCommand(page, 'Glassbox: Manage Models...');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: CATALOG_REPO }).first().click();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Delete' }).first().click();
  await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Delete' }).click();
  await page.locator('.statusbar-item', { hasText: `glassbox-tiny · ${autoProvider()}` }).waitFor();
  await until(
    async () => !existsSync(join(hfCache, 'models--onnx-community--Qwen2.5-Coder-0.5B-Instruct')),
    'the model folder is deleted',
  );
  assert.ok(readdirSync(hfCache).includes('models--someone--cached-gemma'), 'other cached models stay');
}
