// Drives a real VS Code (code-server with the packaged VSIX) in Chromium: profile, settings, files, commands, webviews.
import { CHROMIUM_ARGS, chromiumPath } from '../support/chromium';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { ensureCodeServer, freePort, installExtension, startCodeServer } from '../../scripts/code-server.mjs';
import { targetOf, vsixPath } from '../../scripts/vsix-targets.mjs';

/** The VSIX under test: the one the integration run packaged (GLASSBOX_VSIX), else this machine's target's. */
export const glassboxVsix: string = process.env.GLASSBOX_VSIX ?? vsixPath(targetOf());

export const repoRoot = join(import.meta.dirname, '..', '..');
export const artifacts = join(repoRoot, 'test-results');

export interface Workbench {
  page: Page;
  workspace: string;
  /** code-server's user data folder: settings, logs, extension storage. */
  userDataDir: string;
  url: string;
  logs: () => string;
  close(): Promise<void>;
}

/** A fresh profile with `settings`, the VSIX(es) installed, code-server on a free 127.0.0.1 port, Chromium on it. */
export async function openWorkbench(
  vsix: string | string[],
  settings: Record<string, unknown>,
  viewport = { width: 1400, height: 900 },
  /** More environment for code-server and so the extension host (HF_HUB_CACHE, ...). */
  env: Record<string, string> = {},
  more: {
    /** Files written into the workspace before it opens (relative path -> content), e.g. `.vscode/settings.json`. */
    workspaceFiles?: Record<string, string>;
    /** Workspace trust on, the folder not trusted: VS Code's Restricted Mode. */
    restricted?: boolean;
  } = {},
): Promise<Workbench> {
  const base = mkdtempSync(join(tmpdir(), 'glassbox-it-'));
  const profile = { userDataDir: join(base, 'data'), extensionsDir: join(base, 'extensions') };
  mkdirSync(join(profile.userDataDir, 'User'), { recursive: true });
  writeFileSync(join(profile.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const workspace = join(base, 'demo');
  cpSync(join(repoRoot, 'demo'), workspace, { recursive: true });
  for (const [path, content] of Object.entries(more.workspaceFiles ?? {})) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), content);
  }
  const cs = ensureCodeServer() as { node: string; entry: string };
  for (const v of [vsix].flat()) installExtension(cs, v, profile);
  let log = '';
  const port = (await freePort()) as number;
  const { child, url } = (await startCodeServer(cs, {
    port,
    ...profile,
    folder: workspace,
    env,
    trust: !more.restricted,
    log: (t: string) => (log += t),
  })) as { child: ChildProcess; url: string };
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(60_000);
    const folderUrl = `${url}?folder=${encodeURIComponent(workspace)}`;
    await page.goto(folderUrl);
    await page.waitForSelector('.monaco-workbench');
    return {
      page,
      workspace,
      userDataDir: profile.userDataDir,
      url: folderUrl,
      logs: () => log,
      close: async () => {
        await browser?.close();
        await stop(child);
        rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    child.kill();
    throw e;
  }
}

/** Stops code-server and waits until it has exited (its extension host writes into the profile while it shuts down). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
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
  const input = page.locator('.quick-input-widget input');
  // F1 is lost when the keyboard focus sits in a webview that just took it (the panel after Explain Selection) or
  // while the previous quick input is still closing: give the workbench the focus and press again
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    if (
      await input.waitFor({ state: 'visible', timeout: 5_000 }).then(
        () => true,
        () => false,
      )
    )
      break;
    if (attempt === 2) throw new Error(`the command palette did not open for "${title}"`);
    await page.keyboard.press('Escape');
    // the active editor's tab takes the focus without moving the selection
    const tab = page.locator('.tabs-container .tab.active').first();
    if ((await tab.count()) > 0) await tab.click();
  }
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

/** Polls `check` (every 250 ms) until it returns true; fails with `what` after `timeoutMs`. */
/**
 * Clicks `target` at once: a mouse click at its centre. Playwright's checks before a locator click took up to 2 s while
 * an answer streamed on a busy machine, longer than the bundled model needs for a whole answer.
 */
export async function clickNow(page: Page, target: Locator, what: string): Promise<void> {
  const box = await target.boundingBox();
  if (!box) throw new Error(`${what} is not on screen`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Drags the sash on the primary side bar's right edge so the side bar (where the Glassbox panel is) is `width` wide. */
export async function widenSideBar(page: Page, width: number): Promise<void> {
  const bar = await page.locator('.part.sidebar').boundingBox();
  if (!bar) throw new Error('the side bar is not visible');
  const edge = bar.x + bar.width;
  const sashes = await page.locator('.monaco-sash.vertical').all();
  for (const sash of sashes) {
    const box = await sash.boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < bar.height / 2) continue;
    const y = bar.y + bar.height / 2;
    await page.mouse.move(edge, y);
    await page.mouse.down();
    await page.mouse.move(bar.x + width, y, { steps: 10 });
    await page.mouse.up();
    await until(
      async () => Math.abs(((await page.locator('.part.sidebar').boundingBox())?.width ?? 0) - width) < 8,
      `the side bar is ${width} px wide`,
      5_000,
    );
    return;
  }
  throw new Error('no sash on the side bar edge');
}

/** Whether a test of a file failed, so that its after hook leaves a screenshot and the last logs in the CI output. */
export class FailureReport {
  private failed = false;

  constructor(private readonly name: string) {}

  /** Runs a test's body, remembering a failure (and rethrowing it). */
  async step(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** After a failure: `integration-<name>-failure.png`, code-server's last output and any more text given. */
  async dump(wb: Workbench | undefined, ...more: (string | undefined)[]): Promise<void> {
    if (!this.failed || !wb) return;
    await wb.page
      .screenshot({ path: join(artifacts, `integration-${this.name}-failure.png`) })
      .catch(() => undefined);
    console.log(wb.logs().slice(-4000));
    for (const text of more) if (text) console.log(text);
  }
}

/** Explain Selection on whole lines [from, to] of a workspace file; resolves with the finished answer's text. */
export async function explainLines(page: Page, file: string, from: number, to: number): Promise<string> {
  // the selection first: opening the panel first lets its webview take the focus from Quick Open
  await openAndSelect(page, file, from, to);
  await runCommand(page, 'Glassbox: Explain Selection');
  const panel = await panelFrame(page);
  const answer = panel.locator('article.state-done[aria-label="Answer from the model"]').last();
  await answer.waitFor({ timeout: 120_000 });
  return answer.locator('gb-markdown').innerText();
}
