// Test-only: Debian's Chromium via playwright-core, and panel pages driven through the fake host (bounded waits).
import { after, before } from 'node:test';
import { CHROMIUM_ARGS, chromiumPath } from '../../support/chromium';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { PanelNotifications } from '../../../src/protocol/panel-methods';
import type { FakeHostConfig, PostedRequest } from './fake-host-types';
import { repoRoot, startPanelServer, type PanelServer } from './server';

export const resultsDir = join(repoRoot, 'test-results');

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class PanelPage {
  /** Uncaught page errors and console errors. */
  readonly errors: string[] = [];

  constructor(
    readonly page: Page,
    readonly context: BrowserContext,
  ) {
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
    });
  }

  /** Sends a host -> webview notification. */
  notify<N extends keyof PanelNotifications>(method: N, params: PanelNotifications[N]): Promise<void> {
    return this.page.evaluate(([m, p]) => window.__host.notify(m, p), [method, params] as const);
  }

  requests(method?: string): Promise<PostedRequest[]> {
    return this.page.evaluate((m) => window.__host.requests.filter((r) => !m || r.method === m), method);
  }

  /** Runs `action` and returns the params of the first `method` request it caused. */
  async expectRequest<P = unknown>(
    method: string,
    action: () => Promise<unknown>,
    timeoutMs = 5_000,
  ): Promise<P> {
    const before = (await this.requests(method)).length;
    await action();
    await this.page.waitForFunction(
      ([m, n]) => window.__host.requests.filter((r) => r.method === m).length > n,
      [method, before] as const,
      { timeout: timeoutMs },
    );
    return (await this.requests(method))[before]?.params as P;
  }

  /** From now on `method` answers `result`. */
  setResult(method: string, result: unknown): Promise<void> {
    return this.page.evaluate(([m, r]) => void (window.__host.results[m] = r), [method, result] as const);
  }

  /** From now on `method` fails with `message` (null: answers again). */
  setError(method: string, message: string | null): Promise<void> {
    return this.page.evaluate(
      ([m, msg]) => {
        if (msg === null) delete window.__host.errors[m];
        else window.__host.errors[m] = msg;
      },
      [method, message] as const,
    );
  }

  /** Text of the first element matching `selector` once it exists, white space collapsed as on screen. */
  async text(selector: string, timeoutMs = 5_000): Promise<string> {
    const locator = this.page.locator(selector).first();
    await locator.waitFor({ state: 'attached', timeout: timeoutMs });
    return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }

  /** No uncaught errors, console errors or CSP violations so far. */
  async assertClean(): Promise<void> {
    const violations = await this.page.evaluate(() => window.__host.violations);
    assert.deepEqual(violations, [], 'CSP violations');
    assert.deepEqual(this.errors, [], 'page errors');
  }

  /** Waits until the app has answered panel/ready and shows the chat (not "Starting"). */
  async ready(): Promise<void> {
    await this.page.locator('gb-chat').waitFor({ state: 'attached', timeout: 10_000 });
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

export class PanelTestBed {
  private constructor(
    readonly browser: Browser,
    readonly server: PanelServer,
  ) {}

  static async start(): Promise<PanelTestBed> {
    const server = await startPanelServer();
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      timeout: 30_000,
      args: CHROMIUM_ARGS,
    });
    mkdirSync(resultsDir, { recursive: true });
    return new PanelTestBed(browser, server);
  }

  /** A fresh page (own storage) showing the panel, after its panel/ready handshake was answered. */
  async open(config: FakeHostConfig, viewport = { width: 520, height: 760 }): Promise<PanelPage> {
    const context = await this.browser.newContext({ viewport });
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    const panel = new PanelPage(page, context);
    await page.goto(this.server.pageUrl(config), { timeout: 10_000 });
    await panel.ready();
    return panel;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
  }
}

/** The test bed of one test file: started before its tests, closed after them; call the result to use it. */
export function testBed(): () => PanelTestBed {
  let bed: PanelTestBed | undefined;
  before(async () => {
    bed = await PanelTestBed.start();
  });
  after(async () => {
    await bed?.close();
  });
  return () => {
    if (!bed) throw new Error('the test bed has not started (testBed() runs its before hook first)');
    return bed;
  };
}
