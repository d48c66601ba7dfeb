// Test-only: the Inspector tab on recorded engine results (open it, show a view, replay calls, screenshots).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { InspectResult } from '../../../src/protocol/engine-methods';
import type { InspectorState } from '../../../src/protocol/panel-methods';
import type { FakeHostConfig } from './fake-host-types';
import { hostConfig } from './fixtures';
import { loadFixture, type InspectFixture, type Loaded, type RecordedCall } from './inspect-fixtures';
import { resultsDir, type PanelPage, type PanelTestBed } from './panel';

export type ViewName = 'tokens' | 'prediction' | 'attention' | 'lens' | 'embeddings' | 'generate';

export const unicode = (): Loaded<InspectFixture> => loadFixture<InspectFixture>('inspect-unicode.json');
export const long = (): Loaded<InspectFixture> => loadFixture<InspectFixture>('inspect-long.json');

/** A panel on the Inspector tab whose host answers inspect/state with `state` (raw: typed arrays as markers). */
export async function openInspector(
  bed: PanelTestBed,
  state?: InspectorState,
  options: Omit<FakeHostConfig, 'init'> = {},
  viewport?: { width: number; height: number },
): Promise<PanelPage> {
  const panel = await bed.open(hostConfig({ ...options, ...(state ? { inspector: state } : {}) }), viewport);
  await panel.page.locator('vscode-tab-header.tab-inspector').click();
  await panel.page.locator('gb-inspector gb-inspector-header').waitFor();
  return panel;
}

/** Whitespace as the panel draws it on one line: · space, → tab, ⏎ newline. */
export const visible = (s: string): string => s.replace(/ /g, '·').replace(/\t/g, '→').replace(/\n/g, '⏎');

/** GLTR's bucket for a rank, computed here independently of the webview's own. */
export const bucketOf = (rank: number): 'top1' | 'top10' | 'top100' | 'beyond' =>
  rank <= 1 ? 'top1' : rank <= 10 ? 'top10' : rank <= 100 ? 'top100' : 'beyond';

/** The text of generated tokens: their bytes decoded together, an incomplete last character left out. */
export const decoded = (tokens: { bytes: Uint8Array }[]): string =>
  Buffer.concat(tokens.map((t) => Buffer.from(t.bytes)))
    .toString('utf8')
    .replace(/\uFFFD+$/, '');

/** `state` with one of its result's views (attention, logit lens, embeddings) unavailable for `reason`. */
export function withUnavailable(
  state: InspectorState,
  view: 'attention' | 'lens' | 'embeddings',
  reason: string,
): InspectorState {
  const result = state.result;
  assert.ok(result, 'the state has a result');
  return { ...state, result: { ...result, [view]: { available: false, reason } } };
}

/** The emoji/CJK fixture on the Inspector tab with its recorded calls answered: the panel, the fixture, its result. */
export async function openUnicode(
  bed: PanelTestBed,
  viewport?: { width: number; height: number },
): Promise<{ panel: PanelPage; raw: InspectFixture; data: InspectFixture; r: InspectResult }> {
  const { raw, data } = unicode();
  const r = data.state.result;
  assert.ok(r, 'the fixture has a result');
  const panel = await openInspector(bed, raw.state, {}, viewport);
  await replay(panel, raw.calls);
  return { panel, raw, data, r };
}

/** Switches to a view's tab and waits for its body. */
export async function showView(panel: PanelPage, view: ViewName): Promise<void> {
  await panel.page.locator(`vscode-tab-header.view-tab-${view}`).click();
  await panel.page.locator(`vscode-tab-panel.view-${view} .view-body`).waitFor();
}

/** From now on the host answers these calls with their recorded results. */
export function replay(panel: PanelPage, calls: RecordedCall[]): Promise<void> {
  return panel.page.evaluate((c) => window.__host.replay(c), calls);
}

/** Waits until the strip shows all `n` tokens. */
export async function stripReady(panel: PanelPage, n: number): Promise<void> {
  await panel.page.waitForFunction(
    (count) => document.querySelectorAll('gb-token-strip .tok').length === count,
    n,
    { timeout: 5_000 },
  );
}

export async function screenshot(panel: PanelPage, view: string): Promise<void> {
  await panel.page.screenshot({ path: join(resultsDir, `inspector-${view}.png`), fullPage: false });
}

/** data-i of the strip's tokens that carry `cls`, ascending. */
export function tokensWith(panel: PanelPage, cls: string): Promise<number[]> {
  return panel.page.evaluate(
    (c) =>
      [...document.querySelectorAll<HTMLElement>(`gb-token-strip .tok.${c}`)]
        .map((el) => Number(el.dataset.i))
        .sort((a, b) => a - b),
    cls,
  );
}

/** A shown percentage ("12.3%", "0.0456%", "< 0.001%", "> 99.9%") matches probability `p` to its shown precision. */
export function assertPercent(shown: string, p: number, what: string): void {
  const v = p * 100;
  const text = shown.trim();
  if (text.startsWith('<')) return assert.ok(v < parseFloat(text.slice(1)), `${what}: ${text} for ${v}%`);
  if (text.startsWith('>')) return assert.ok(v > parseFloat(text.slice(1)), `${what}: ${text} for ${v}%`);
  const value = parseFloat(text);
  assert.ok(Math.abs(value - v) <= Math.max(0.05, v * 0.005), `${what}: ${text} for ${v}%`);
}
