// In a real VS Code: Inspect Selection shows what `glassbox inspect --json` computes; editor highlights and hovers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspectLines, openInspectorWorkbench, visible } from './inspected';
import { artifacts, type Workbench } from './workbench';

let wb: Workbench;
let failed = false;

before(async () => {
  wb = await openInspectorWorkbench({ width: 1680, height: 1050 });
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
  const { page } = wb;
  const { panel, cli } = await inspectLines(wb, 'stats.ts', 3, 6, { sideBarWidth: 900 });

  const tokens = panel.locator('.view-tokens gb-token-strip .tok');
  assert.equal(await tokens.count(), cli.tokens.length);
  const labels = await tokens.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  assert.deepEqual(
    labels.map((l) => Number(/, id (\d+)$/.exec(l)?.[1])),
    cli.tokens.map((t) => t.id),
  );
  // Tokens view: hovering a token shows its id
  const middle = Math.floor(cli.tokens.length / 2);
  await tokens.nth(middle).hover();
  const tokenDetails = panel.locator('.view-tokens gb-token-details');
  await tokenDetails.locator('.details-head', { hasText: `Hovered token ${middle + 1} of` }).waitFor();
  assert.equal(await tokenDetails.locator('dd.token-id').innerText(), String(cli.tokens[middle]?.id));
  await page.screenshot({ path: join(artifacts, 'inspector-view-tokens.png') });

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
  // the Prediction view with the last token's numbers and the model's top guesses
  await page.screenshot({ path: join(artifacts, 'inspector-view-prediction.png') });

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
