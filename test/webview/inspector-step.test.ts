// The Inspector's generation step-through in Chromium on recorded results: start, re-sample, accept, auto, stop token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepSampleResult, StepToken } from '../../src/protocol/engine-methods';
import type { StepStart } from '../../src/protocol/panel-methods';
import { loadFixture, resultsOf, type StepFixture } from './support/inspect-fixtures';
import {
  assertPercent,
  decoded,
  openInspector,
  replay,
  screenshot,
  showView,
  visible,
} from './support/inspector';
import { waitUntil, type PanelPage, testBed } from './support/panel';

const bed = testBed();

interface Appended {
  appended: StepToken;
  next: StepStart['next'];
}

async function typePrompt(panel: PanelPage, prompt: string): Promise<void> {
  await panel.page.locator('vscode-textarea.step-prompt-input').click();
  await panel.page.keyboard.insertText(prompt);
}

/** The distribution list under `section` against recorded rows. */
async function assertBars(panel: PanelPage, section: string, rows: { text: string; prob: number }[]) {
  await waitUntil(
    async () => (await panel.page.locator(`${section} .dist li`).count()) === rows.length,
    `${section} bars`,
  );
  const texts = await panel.page.locator(`${section} .dist-text`).allTextContents();
  assert.deepEqual(
    texts,
    rows.map((r) => visible(r.text)),
  );
  const probs = await panel.page.locator(`${section} .dist-prob`).allTextContents();
  rows.forEach((r, i) => assertPercent(probs[i] ?? '', r.prob, `${section} ${i}`));
}

test('step-through: Start shows prompt and distribution; changed settings go into step/sample; Accept appends; Auto ×10', async () => {
  const { raw, data } = loadFixture<StepFixture>('step-sampling.json');
  const start = resultsOf<StepStart>(data.calls, 'step/start')[0]?.result;
  const samples = resultsOf<StepSampleResult>(data.calls, 'step/sample');
  const appends = resultsOf<Appended>(data.calls, 'step/append');
  const settings = samples[0]?.params as { temperature: number; topK: number; topP: number; seed: number };
  assert.ok(start && settings && samples.length > 1 && appends.length > 1);
  const panel = await openInspector(bed(), undefined, {}, { width: 520, height: 1400 });
  await replay(panel, raw.calls);
  await showView(panel, 'generate');
  assert.equal(
    await panel.page
      .locator('vscode-textarea.step-prompt-input')
      .evaluate((e) => (e as HTMLTextAreaElement).value),
    '',
    'the prompt starts empty',
  );

  await typePrompt(panel, data.prompt);
  const started = await panel.expectRequest('step/start', () =>
    panel.page.locator('vscode-button.step-start').click(),
  );
  assert.deepEqual(started, { prompt: data.prompt, chat: false, fromSelection: false });
  await waitUntil(
    async () => (await panel.page.locator('.prompt-tok').count()) === start.prompt.length,
    'the prompt tokens',
  );
  await assertBars(panel, '.step-next', start.next.top);
  assert.equal(await panel.text('.step-context'), `${start.next.used} / ${start.next.contextLength}`);

  // the settings the recording used, set through the controls
  await panel.page.locator('input.step-temperature').fill(String(settings.temperature));
  await panel.page.locator('vscode-textfield.step-topk input').fill(String(settings.topK));
  await panel.page.locator('input.step-topp').fill(String(settings.topP));
  await panel.page.locator('vscode-textfield.step-seed input').fill(String(settings.seed));
  const sampled = await panel.expectRequest('step/sample', () =>
    panel.page.locator('vscode-button.step-sample').click(),
  );
  assert.deepEqual(sampled, { handle: start.handle, ...settings });
  const first = samples[0]?.result;
  assert.ok(first);
  await waitUntil(
    async () => (await panel.text('.chosen-text')) === visible(first.chosen.text),
    'the chosen token',
  );
  await assertBars(panel, '.step-result', first.top);
  const models = await panel.page.locator('.step-result .dist-model').allTextContents();
  first.top.forEach((t, i) => assertPercent(models[i] ?? '', t.modelProb, `model probability ${i}`));
  assert.match(
    await panel.text('.step-result'),
    new RegExp(`${first.kept.toLocaleString('en-US')} tokens kept`),
  );
  await screenshot(panel, 'generate');

  const accepted = await panel.expectRequest('step/append', () =>
    panel.page.locator('vscode-button.step-accept').click(),
  );
  assert.deepEqual(accepted, { handle: start.handle, id: first.chosen.id });
  const firstAppend = appends[0]?.result;
  assert.ok(firstAppend);
  await waitUntil(async () => (await panel.text('.generated-count')) === '1', 'one token generated');
  await assertBars(panel, '.step-next', firstAppend.next.top);
  assert.equal(await panel.page.locator('.step-result').count(), 0, 'the old sample is gone');

  // Auto ×10: sample and accept with the same settings, exactly as recorded
  const before = (await panel.requests('step/sample')).length;
  await panel.page.locator('vscode-button.step-auto').click();
  await waitUntil(
    async () => (await panel.text('.generated-count')) === String(appends.length),
    `${appends.length} tokens generated`,
    10_000,
  );
  const all = await panel.requests('step/sample');
  assert.equal(all.length - before, 10);
  assert.ok(all.every((q) => JSON.stringify(q.params) === JSON.stringify(sampled)));
  assert.equal(
    (await panel.page.locator('.generated-text').textContent()) ?? '',
    decoded(appends.map((a) => a.result.appended)),
  );
  const lastNext = appends[appends.length - 1]?.result.next;
  assert.ok(lastNext);
  assert.equal(await panel.text('.step-context'), `${lastNext.used} / ${lastNext.contextLength}`);
  await panel.assertClean();
  await panel.close();
});

test('step-through: chat prompts use the template; Auto with the recorded seed runs until "the stop token won"; From selection', async () => {
  const { raw, data } = loadFixture<StepFixture>('step-stop.json');
  const start = resultsOf<StepStart>(data.calls, 'step/start')[0]?.result;
  const samples = resultsOf<StepSampleResult>(data.calls, 'step/sample');
  assert.ok(start && samples.at(-1)?.result.chosen.isStop, 'the recording ends with the stop token');
  const panel = await openInspector(bed());
  await replay(panel, raw.calls);
  await showView(panel, 'generate');
  await typePrompt(panel, data.prompt);
  await panel.page.locator('vscode-checkbox.step-chat').click();
  const started = await panel.expectRequest('step/start', () =>
    panel.page.locator('vscode-button.step-start').click(),
  );
  assert.deepEqual(started, { prompt: data.prompt, chat: true, fromSelection: false });
  await panel.page.locator('.step-settings').waitFor();
  const settings = resultsOf(data.calls, 'step/sample')[0]?.params as { temperature: number; seed: number };
  await panel.page.locator('input.step-temperature').fill(String(settings.temperature));
  await panel.page.locator('vscode-textfield.step-seed input').fill(String(settings.seed));
  await panel.page.locator('vscode-button.step-auto').click();
  await waitUntil(
    async () => (await panel.page.locator('.stop-won').count()) === 1,
    'the stop token message',
    10_000,
  );
  assert.match(await panel.text('.stop-won'), /the stop token won: generation would end here/);
  assert.equal(await panel.text('.chosen-text'), visible(samples.at(-1)?.result.chosen.text ?? ''));
  assert.equal(
    (await panel.requests('step/sample')).length,
    samples.length,
    'Auto stopped at the stop token',
  );
  assert.equal(await panel.page.locator('vscode-button.step-accept').getAttribute('disabled'), '');
  await panel.page.locator('.step-result').scrollIntoViewIfNeeded();
  await screenshot(panel, 'generate-stop');

  await replay(panel, [
    { method: 'step/start', params: { prompt: '', chat: true, fromSelection: true }, result: start },
  ]);
  const fromSelection = await panel.expectRequest('step/start', () =>
    panel.page.locator('vscode-button.step-from-selection').click(),
  );
  assert.deepEqual(fromSelection, { prompt: '', chat: true, fromSelection: true });
  await panel.assertClean();
  await panel.close();
});
