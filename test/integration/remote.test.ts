// In a real VS Code with glassbox.backend "openai" on a `glassbox serve`: the Inspector and chat work as they do locally.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { listenOnLoopback } from '../support/loopback-server';
import { serve, type Served } from '../support/serve-process';
import { assertPredictions, assertTokenIds, inspectLines, openInspectorWorkbench } from './inspected';
import { artifacts, FailureReport, openAndSelect, panelFrame, runCommand, type Workbench } from './workbench';

let server: Served;
let wb: Workbench;
const report = new FailureReport('remote');

/**
 * A loopback proxy in front of the server that holds every piece of a response for `delayMs`: the bundled model
 * writes its answer in about 2 s, faster than a busy machine reliably presses Stop; through this it takes seconds more.
 */
async function slowProxy(
  target: string,
  delayMs: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const proxy = createServer((req, res) => {
    const upstream = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer
          .pipe(
            new Transform({
              transform: (piece, _encoding, next) => void setTimeout(() => next(null, piece), delayMs),
            }),
          )
          .pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    // a closed request (Stop) closes the upstream one, so the server sees the disconnect
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const { url, destroySockets } = await listenOnLoopback(proxy, 'slow proxy');
  return { url, close: () => new Promise((resolve) => (destroySockets(), proxy.close(() => resolve()))) };
}

let proxy: { url: string; close: () => Promise<void> };

before(async () => {
  // the bundled model on the CPU, as the CLI that the Inspector is compared with runs it
  server = await serve();
  proxy = await slowProxy(server.url, 25);
  wb = await openInspectorWorkbench(
    { width: 1680, height: 1050 },
    {
      'glassbox.backend': 'openai',
      'glassbox.remote.baseUrl': proxy.url,
      // greedy answers from the bundled model run long enough to press Stop
      'glassbox.temperature': 0,
      'glassbox.maxNewTokens': 320,
    },
  );
});
after(async () => {
  await report.dump(wb, server?.stderr().slice(-2000));
  await wb?.close();
  await proxy?.close();
  await server?.stop();
});

describe('Glassbox on a glassbox serve (code-server)', () => {
  test('Inspect Selection over HTTP: token ids, top-1 predictions and ranks equal the local CLI', () =>
    report.step(async () => {
      const host = new URL(proxy.url).host;
      const { panel, cli } = await inspectLines(wb, 'stats.ts', 3, 6, {
        sideBarWidth: 900,
        statusBar: `glassbox-tiny · ${host}`,
      });
      await assertTokenIds(panel, cli);
      await assertPredictions(panel, cli);
      await wb.page.screenshot({ path: join(artifacts, 'integration-remote-prediction.png') });
    }));

  test('Explain Selection streams from the server; Stop closes the request and keeps the text', () =>
    report.step(async () => {
      const { page } = wb;
      await runCommand(page, 'Glassbox: Open Chat');
      const panel = await panelFrame(page);
      await panel.locator('gb-composer').waitFor();
      await openAndSelect(page, 'words.py', 11, 15);
      await runCommand(page, 'Glassbox: Explain Selection');
      // streamed text appears while the answer is still being written (through the slow proxy: seconds)
      await panel.locator('article.state-streaming gb-markdown').filter({ hasText: /\S/ }).waitFor();
      await panel.locator('[aria-label="Stop generating"]').click();
      // stopped, not done: the request was closed before the server finished the answer
      await panel.locator('article.state-stopped[aria-label="Answer from the model"]').waitFor();
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
