// The Inspector's header and states in Chromium: what is inspected, Pin / Refresh / Highlights, idle, running, error, truncated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { long, openInspector, screenshot, showView, stripReady, unicode } from './support/inspector';
import { waitUntil, testBed } from './support/panel';

const bed = testBed();

test('header: model, file and lines, token count and timings; Pin, Refresh and Highlights send their requests', async () => {
  const { raw, data } = unicode();
  const { source, result, model } = data.state;
  assert.ok(source && result && model);
  const panel = await openInspector(bed(), raw.state);
  await stripReady(panel, result.tokens.length);
  const summary = await panel.text('.inspector-summary');
  assert.match(summary, new RegExp(`${source.file}\\s*lines ${source.startLine}–${source.endLine}`));
  assert.match(summary, new RegExp(`${result.tokens.length} tokens`));
  assert.match(summary, new RegExp(model));
  assert.match(summary, /tokenize [\d.]+ ms, forward pass [\d.]+ ms, statistics [\d.]+ ms/);

  const pin = panel.page.locator('vscode-toolbar-button.pin');
  assert.deepEqual(await panel.expectRequest('inspect/pin', () => pin.click()), { pinned: true });
  await waitUntil(async () => (await pin.getAttribute('label'))?.startsWith('Unpin') ?? false, 'pinned');
  await panel.notify('inspect/state', { ...raw.state, source: { ...source, pinned: true } });
  assert.deepEqual(await panel.expectRequest('inspect/pin', () => pin.click()), { pinned: false });
  await panel.expectRequest('inspect/refresh', () =>
    panel.page.locator('vscode-toolbar-button.refresh').click(),
  );
  const highlights = panel.page.locator('vscode-toolbar-button.highlights');
  assert.deepEqual(await panel.expectRequest('inspect/highlights', () => highlights.click()), { on: true });
  await waitUntil(async () => (await highlights.getAttribute('checked')) !== null, 'highlights on');
  // every control of the header is reachable by keyboard and named
  const labels = await panel.page
    .locator('.inspector-toolbar vscode-toolbar-button')
    .evaluateAll((els) => els.map((e) => e.getAttribute('label')));
  assert.ok(labels.every((l) => l && l.length > 3));
  await panel.assertClean();
  await panel.close();
});

test('states: idle asks for a selection; running keeps the previous result dimmed; an error says why', async () => {
  const { raw, data } = unicode();
  const result = data.state.result;
  assert.ok(result);
  const panel = await openInspector(bed());
  assert.match(await panel.text('.inspector-idle'), /Select code in an editor/);

  await panel.notify('inspect/state', raw.state);
  await stripReady(panel, result.tokens.length);
  assert.equal(await panel.page.locator('.inspector-idle').count(), 0);

  await panel.notify('inspect/state', { state: 'running', highlights: false, source: raw.state.source });
  await panel.page.locator('.inspector-running vscode-progress-bar').waitFor();
  await panel.page.locator('.view-body.dimmed').waitFor();
  assert.equal(
    await panel.page.locator('gb-token-strip .tok').count(),
    result.tokens.length,
    'the old result stays',
  );
  await screenshot(panel, 'running');

  await panel.notify('inspect/state', raw.state);
  await panel.page.locator('.inspector-running').waitFor({ state: 'detached' });
  assert.equal(await panel.page.locator('.view-body.dimmed').count(), 0);

  await panel.notify('inspect/state', {
    state: 'error',
    message: 'the engine stopped (exit code 1)',
    highlights: false,
  });
  assert.equal(
    await panel.text('.inspector-error'),
    'The inspection failed: the engine stopped (exit code 1)',
  );
  await panel.assertClean();
  await panel.close();
});

test('truncated: says plainly that only the first N of M tokens were inspected, up to which character', async () => {
  const { raw, data } = long();
  const result = data.state.result;
  assert.ok(result?.truncated);
  const panel = await openInspector(bed(), raw.state);
  await stripReady(panel, result.tokens.length);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const notice = await panel.text('.inspector-truncated');
  assert.match(
    notice,
    new RegExp(
      `Only the first ${fmt(result.tokens.length)} of ${fmt(result.truncated.totalTokens)} tokens were inspected ` +
        `\\(the selection up to character ${fmt(result.truncated.inspectedChars)}\\)`,
    ),
  );
  assert.equal(result.tokens.at(-1)?.end, result.truncated.inspectedChars);
  assert.equal(result.truncated.limit, 'context');
  assert.match(notice, /that is all the model’s context holds/);
  await screenshot(panel, 'truncated');
  // cut by the inspector's memory budget instead: the notice says so
  const rawResult = raw.state.result;
  assert.ok(rawResult?.truncated);
  await panel.notify('inspect/state', {
    ...raw.state,
    result: { ...rawResult, truncated: { ...rawResult.truncated, limit: 'memory' } },
  });
  await waitUntil(
    async () =>
      /keeps its memory bounded.*square of the tokens/s.test(await panel.text('.inspector-truncated')),
    'the memory notice',
  );
  await panel.assertClean();
  await panel.close();
});

test('the chosen view and colour mode come back after a reload', async () => {
  const { raw, data } = unicode();
  const n = data.state.result?.tokens.length ?? 0;
  const panel = await openInspector(bed(), raw.state);
  await showView(panel, 'prediction');
  await panel.page.locator('vscode-radio[value="surprisal"]').click();
  await panel.page.locator('.token-strip.mode-surprisal').waitFor();
  await panel.page.reload({ timeout: 10_000 });
  await panel.ready();
  await panel.page.locator('vscode-tab-panel.view-prediction .view-body').waitFor();
  await stripReady(panel, n);
  await panel.page.locator('.token-strip.mode-surprisal').waitFor();
  await panel.assertClean();
  await panel.close();
});
