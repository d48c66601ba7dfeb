// Drives a real VS Code (code-server with the packaged VSIX) in Chromium: profile, settings, files, commands, webviews.
import { CHROMIUM_ARGS, chromiumPath } from '../support/chromium';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { ensureCodeServer, freePort, installExtension, startCodeServer } from '../../scripts/code-server.mjs';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const artifacts = join(repoRoot, 'test-results');

export interface Workbench {
  page: Page;
  workspace: string;
  url: string;
  logs: () => string;
  close(): Promise<void>;
}

/** A fresh profile with `settings`, the VSIX installed, code-server on a free 127.0.0.1 port, Chromium on it. */
export async function openWorkbench(vsix: string, settings: Record<string, unknown>): Promise<Workbench> {
  const base = mkdtempSync(join(tmpdir(), 'glassbox-it-'));
  const profile = { userDataDir: join(base, 'data'), extensionsDir: join(base, 'extensions') };
  mkdirSync(join(profile.userDataDir, 'User'), { recursive: true });
  writeFileSync(join(profile.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const workspace = join(base, 'demo');
  cpSync(join(repoRoot, 'demo'), workspace, { recursive: true });
  const cs = ensureCodeServer() as { node: string; entry: string };
  installExtension(cs, vsix, profile);
  let log = '';
  const port = (await freePort()) as number;
  const { child, url } = (await startCodeServer(cs, {
    port,
    ...profile,
    folder: workspace,
    log: (t: string) => (log += t),
  })) as { child: ChildProcess; url: string };
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(60_000);
    const folderUrl = `${url}?folder=${encodeURIComponent(workspace)}`;
    await page.goto(folderUrl);
    await page.waitForSelector('.monaco-workbench');
    return {
      page,
      workspace,
      url: folderUrl,
      logs: () => log,
      close: async () => {
        await browser?.close();
        child.kill();
        rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    child.kill();
    throw e;
  }
}

/** Opens a workspace file with Quick Open and puts lines [from, to] (1-based, whole lines) in the selection. */
export async function openAndSelect(page: Page, file: string, from: number, to: number): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(file);
  await page.locator(`.quick-input-list .monaco-list-row[aria-label*="${file}"]`).first().waitFor();
  await page.keyboard.press('Enter');
  const editor = page.locator(`.editor-instance .monaco-editor[data-uri$="${file}"]`);
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(from));
  await page.keyboard.press('Enter');
  await page.keyboard.press('Home');
  await page.keyboard.press('Home');
  for (let i = from; i <= to; i++) await page.keyboard.press('Shift+ArrowDown');
}

/** Runs a command by its title from the command palette. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.fill(`>${title}`);
  await page.locator(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The frame holding the Glassbox panel (webview views live two iframes deep), once its app has rendered. */
export async function panelFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/webview/')) continue;
      if (
        (await frame
          .locator('gb-app')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error('the Glassbox panel did not appear');
}
