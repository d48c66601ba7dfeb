// In a real VS Code: Inspect Selection shows what `glassbox inspect --json` computes; editor highlights and hovers.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { glassbox } from '../support/cli';
import {
  artifacts,
  openAndSelect,
  openWorkbench,
  panelFrame,
  repoRoot,
  runCommand,
  type Workbench,
} from './workbench';

const vsix = process.env.GLASSBOX_VSIX ?? join(repoRoot, 'glassbox.vsix');
let wb: Workbench;
let failed = false;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  wb = await openWorkbench(vsix, { 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true });
});
after(async () => {
  if (failed && wb) {
    await wb.page
      .screenshot({ path: join(artifacts, 'integration-inspector-failure.png') })
      .catch(() => undefined);
    console.log(wb.logs().slice(-4000));
  }
  await wb?.close();
});

interface CliInspect {
  tokens: { id: number; text: string; start: number; end: number }[];
  positions: ({ rank: number; top: { id: number; text: string }[] } | null)[];
}

/** The CLI on the same file span with the same (bundled) model: the independent side of the comparison. */
function cliInspect(file: string, start: number, end: number): CliInspect {
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
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as CliInspect;
}

/** Whitespace as the panel draws it (· space, → tab, ⏎ newline), ignoring how it wraps. */
const visible = (text: string) =>
  text.replace(/ /g, '·').replace(/\t/g, '→').replace(/\r?\n/g, '⏎').replace(/\s/g, '');

describe('the inspector in code-server', () => {
  test('Inspect Selection: token count, ids and top-1 predictions equal the CLI; highlights and hovers in the editor', async () => {
    try {
      await inspectAndCompare();
    } catch (e) {
      failed = true;
      throw e;
    }
  });
});

async function inspectAndCompare(): Promise<void> {
  const { page, workspace } = wb;
  await page.locator('.statusbar-item', { hasText: 'glassbox-tiny · cpu' }).waitFor();
  await openAndSelect(page, 'stats.ts', 3, 6);
  await runCommand(page, 'Glassbox: Inspect Selection');
  const panel = await panelFrame(page);
  const file = join(workspace, 'stats.ts');
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.slice(0, 2).join('\n').length + 1; // line 3, column 1
  const end = lines.slice(0, 6).join('\n').length + 1; // line 7, column 1 (four whole lines)
  const cli = cliInspect(file, start, end);

  const count = panel.locator('gb-inspector-header .token-count');
  await count.filter({ hasText: `${cli.tokens.length} token` }).waitFor();
  const tokens = panel.locator('.view-tokens gb-token-strip .tok');
  assert.equal(await tokens.count(), cli.tokens.length);
  const labels = await tokens.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  assert.deepEqual(
    labels.map((l) => Number(/, id (\d+)$/.exec(l)?.[1])),
    cli.tokens.map((t) => t.id),
  );
  // the top-1 prediction and rank the panel shows for each token are the CLI's (Prediction view)
  await panel.locator('vscode-tab-header.view-tab-prediction').click();
  await panel.locator('.view-prediction gb-token-strip .tok').first().waitFor();
  const predicted = panel.locator('.view-prediction gb-token-strip .tok');
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
  await page.screenshot({ path: join(artifacts, 'integration-inspector.png') });

  // editor highlights: coloured ranges appear in the editor and a hover explains a token
  await panel.locator('vscode-toolbar-button.highlights').click();
  const decorated = page.locator('.monaco-editor .view-overlays div[class*="ced-"]');
  await decorated.first().waitFor();
  assert.ok((await decorated.count()) > 0);
  await page
    .locator('.monaco-editor .view-line', { hasText: 'export function mean' })
    .locator('span', { hasText: 'mean' })
    .first()
    .hover();
  const hover = page.locator('.monaco-hover-content', { hasText: 'Glassbox' });
  await hover.waitFor();
  assert.match(await hover.innerText(), /rank \d+ · surprisal [\d.]+ bits/);
  await page.screenshot({ path: join(artifacts, 'integration-highlights.png') });
}
