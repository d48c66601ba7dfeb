// In a real VS Code: Inspect Selection shows what `glassbox inspect --json` computes; editor highlights and hovers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertPredictions, assertTokenIds, inspectLines, openInspectorWorkbench } from './inspected';
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

  const tokens = await assertTokenIds(panel, cli);
  // Tokens view: hovering a token shows its id
  const middle = Math.floor(cli.tokens.length / 2);
  await tokens.nth(middle).hover();
  const tokenDetails = panel.locator('.view-tokens gb-token-details');
  await tokenDetails.locator('.details-head', { hasText: `Hovered token ${middle + 1} of` }).waitFor();
  assert.equal(await tokenDetails.locator('dd.token-id').innerText(), String(cli.tokens[middle]?.id));
  await page.screenshot({ path: join(artifacts, 'inspector-view-tokens.png') });

  // the top-1 prediction and rank the panel shows for each token are the CLI's (Prediction view)
  await assertPredictions(panel, cli);
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
