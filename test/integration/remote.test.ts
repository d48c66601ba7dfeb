// In a real VS Code with glassbox.backend "openai" on a `glassbox serve`: the Inspector and chat work as they do locally.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serve, type Served } from '../support/serve-process';
import { assertPredictions, assertTokenIds, inspectLines, openInspectorWorkbench } from './inspected';
import { artifacts, openAndSelect, panelFrame, runCommand, type Workbench } from './workbench';

let server: Served;
let wb: Workbench;
let failed = false;

before(async () => {
  // the bundled model on the CPU, as the CLI that the Inspector is compared with runs it
  server = await serve();
  wb = await openInspectorWorkbench(
    { width: 1680, height: 1050 },
    {
      'glassbox.backend': 'openai',
      'glassbox.remote.baseUrl': server.url,
      // greedy answers from the bundled model run long enough to press Stop
      'glassbox.temperature': 0,
      'glassbox.maxNewTokens': 320,
    },
  );
});
after(async () => {
  if (failed && wb) {
    await wb.page
      .screenshot({ path: join(artifacts, 'integration-remote-failure.png') })
      .catch(() => undefined);
    console.log(wb.logs().slice(-4000));
    console.log(server?.stderr().slice(-2000));
  }
  await wb?.close();
  await server?.stop();
});

async function step(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    failed = true;
    throw e;
  }
}

describe('Glassbox on a glassbox serve (code-server)', () => {
  test('Inspect Selection over HTTP: token ids, top-1 predictions and ranks equal the local CLI', () =>
    step(async () => {
      const host = new URL(server.url).host;
      const { panel, cli } = await inspectLines(wb, 'stats.ts', 3, 6, {
        sideBarWidth: 900,
        statusBar: `glassbox-tiny · ${host}`,
      });
      await assertTokenIds(panel, cli);
      await assertPredictions(panel, cli);
      await wb.page.screenshot({ path: join(artifacts, 'integration-remote-prediction.png') });
    }));

  test('Explain Selection streams from the server; Stop closes the request and keeps the text', () =>
    step(async () => {
      const { page } = wb;
      await runCommand(page, 'Glassbox: Open Chat');
      const panel = await panelFrame(page);
      await panel.locator('gb-composer').waitFor();
      await openAndSelect(page, 'words.py', 11, 15);
      await runCommand(page, 'Glassbox: Explain Selection');
      const answer = panel.locator('article[aria-label="Answer from the model"]').last();
      await panel.locator('article.state-streaming gb-markdown').filter({ hasText: /\S/ }).waitFor();
      const partial = (await answer.locator('gb-markdown').innerText()).length;
      await panel.locator('[aria-label="Stop generating"]').click();
      await panel.locator('article.state-stopped[aria-label="Answer from the model"]').waitFor();
      assert.ok((await answer.locator('gb-markdown').innerText()).length >= partial);
      await page.screenshot({ path: join(artifacts, 'integration-remote-chat.png') });
      // the server goes on answering after a request it was writing was closed
      const next = await fetch(`${server.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'def add(a, b):', max_tokens: 4, temperature: 0 }),
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(next.status, 200, await next.clone().text());
      assert.equal(((await next.json()) as { object: string }).object, 'text_completion');
    }));
});
