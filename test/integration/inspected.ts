// Inspect Selection on whole lines of a demo file in the workbench, and `glassbox inspect --json` on the same span.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { glassbox, autoProvider } from '../support/cli';
import {
  artifacts,
  openAndSelect,
  openWorkbench,
  panelFrame,
  runCommand,
  widenSideBar,
  type Workbench,
  glassboxVsix,
} from './workbench';

/** A workbench for the inspector tests: no start page, no built-in AI chat, the room given to the Glassbox panel. */
export function openInspectorWorkbench(
  viewport: { width: number; height: number },
  settings: Record<string, unknown> = {},
): Promise<Workbench> {
  mkdirSync(artifacts, { recursive: true });
  return openWorkbench(
    glassboxVsix,
    {
      'workbench.startupEditor': 'none',
      'chat.disableAIFeatures': true,
      // the room goes to the Glassbox panel in the primary side bar
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      ...settings,
    },
    viewport,
  );
}

export interface CliInspect {
  tokens: { id: number; text: string; start: number; end: number }[];
  positions: ({ rank: number; top: { id: number; text: string }[] } | null)[];
  bos: { id: number; text: string } | null;
  layers: number;
  heads: number;
  /** With `attention`: row/column i is the BOS (when there is one), then the tokens. */
  attention?: number[][];
}

/** The CLI on the same file span with the same (bundled) model: the independent side of the comparisons. */
export function cliInspect(file: string, start: number, end: number, attention?: string): CliInspect {
  const r = glassbox([
    'inspect',
    '--file',
    file,
    '--start',
    String(start),
    '--end',
    String(end),
    '--ep',
    'cpu',
    ...(attention ? ['--attention', attention] : []),
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as CliInspect;
}

/** Whitespace as the panel draws it (· space, → tab, ⏎ newline), ignoring how it wraps. */
export const visible = (text: string) =>
  text.replace(/ /g, '·').replace(/\t/g, '→').replace(/\r?\n/g, '⏎').replace(/\s/g, '');

export interface Inspected {
  panel: Frame;
  cli: CliInspect;
  /** The inspected text. */
  text: string;
}

/**
 * Selects lines [from, to] of a workspace file, runs Inspect Selection and waits for the panel's token count; the
 * CLI inspects the same span. The side bar is widened to `sideBarWidth` first so screenshots are readable.
 */
export async function inspectLines(
  wb: Workbench,
  name: string,
  from: number,
  to: number,
  options: { sideBarWidth: number; attention?: string; statusBar?: string },
): Promise<Inspected> {
  const { page, workspace } = wb;
  const status = options.statusBar ?? `glassbox-tiny · ${autoProvider()}`;
  await page.locator('.statusbar-item', { hasText: status }).waitFor();
  await widenSideBar(page, options.sideBarWidth);
  await openAndSelect(page, name, from, to);
  await runCommand(page, 'Glassbox: Inspect Selection');
  const panel = await panelFrame(page);
  const file = join(workspace, name);
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.slice(0, from - 1).join('\n').length + (from > 1 ? 1 : 0); // line `from`, column 1
  const end = lines.slice(0, to).join('\n').length + 1; // line `to` + 1, column 1 (whole lines)
  const cli = cliInspect(file, start, end, options.attention);
  await panel
    .locator('gb-inspector-header .token-count')
    .filter({ hasText: `${cli.tokens.length} token` })
    .waitFor();
  // the first-run notice about the demonstration model takes room the screenshots need
  const dismiss = panel.locator('gb-first-run vscode-button', { hasText: 'Dismiss' });
  if ((await dismiss.count()) > 0) await dismiss.click();
  return { panel, cli, text: readFileSync(file, 'utf8').slice(start, end) };
}

/** The Tokens view lists the CLI's token ids, in order; returns the strip's tokens. */
export async function assertTokenIds(panel: Frame, cli: CliInspect): Promise<Locator> {
  const tokens = panel.locator('.view-tokens gb-token-strip .tok');
  assert.equal(await tokens.count(), cli.tokens.length);
  const labels = await tokens.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  assert.deepEqual(
    labels.map((l) => Number(/, id (\d+)$/.exec(l)?.[1])),
    cli.tokens.map((t) => t.id),
  );
  return tokens;
}

/** The Prediction view: for every token, the CLI's top-1 guess and rank (or no prediction where the CLI has none). */
export async function assertPredictions(panel: Frame, cli: CliInspect): Promise<void> {
  await panel.locator('vscode-tab-header.view-tab-prediction').click();
  const predicted = panel.locator('.view-prediction gb-token-strip .tok');
  await predicted.first().waitFor();
  for (let i = 0; i < cli.tokens.length; i++) {
    const expected = cli.positions[i]?.top[0];
    await predicted.nth(i).hover();
    const details = panel.locator('.view-prediction gb-token-details');
    if (!expected) {
      await details.locator('.no-prediction').waitFor();
      continue;
    }
    await details.locator('.alternatives li').first().waitFor();
    const shown = await details.locator('.alternatives li .alt-text').first().innerText();
    assert.equal(visible(shown), visible(expected.text), `token ${i}: top-1`);
    const rankText = await details.locator('dd.rank').innerText();
    assert.equal(Number(rankText.replace(/[^0-9]/g, '')), cli.positions[i]?.rank, `token ${i}: rank`);
  }
}
