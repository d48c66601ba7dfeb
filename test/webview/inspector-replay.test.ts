// A chat answer replayed in the step-through, in Chromium on recorded results: its own tokens, ranks, end, leaving it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepAppendResult, StepSampleResult } from '../../src/protocol/engine-methods';
import type { ChatMessage, StepReplay } from '../../src/protocol/panel-methods';
import { hostConfig } from './support/fixtures';
import { loadFixture, resultsOf, type ReplayFixture } from './support/inspect-fixtures';
import { assertPercent, bucketOf, decoded, replay, screenshot, visible } from './support/inspector';
import { testBed, waitUntil, type PanelPage } from './support/panel';

const { raw, data } = loadFixture<ReplayFixture>('step-replay.json');
const replays = resultsOf<StepReplay>(data.calls, 'step/replay');
const appends = resultsOf<StepAppendResult>(data.calls, 'step/append');
const answer = (id: string) => data.conversation.messages.find((m) => m.id === id) as ChatMessage;

/** The recorded appends on a replay's handle, in order. */
const appendsOf = (r: StepReplay) =>
  appends.filter((a) => (a.params as { handle: string }).handle === r.handle).map((a) => a.result);

const bed = testBed();
let panel: PanelPage;
let opened: Promise<void> | undefined;

/** The tests share one panel showing the recorded conversation (each goes on from where the last one left it). */
function openPanel(): Promise<void> {
  opened ??= (async () => {
    panel = await bed().open(hostConfig({ conversations: [raw.conversation], current: raw.conversation }), {
      width: 560,
      height: 1400,
    });
    await replay(panel, raw.calls);
  })();
  return opened;
}

async function openReplay(messageId: string, index: number): Promise<void> {
  await openPanel();
  await panel.page.locator('vscode-tab-header.tab-chat').click();
  const button = panel.page.locator('gb-message vscode-button.replay-answer').nth(index);
  const params = await panel.expectRequest('step/replay', () => button.click());
  assert.deepEqual(params, { conversationId: data.conversation.id, messageId });
  await panel.page.locator('vscode-tab-panel.view-generate gb-step-replay .step-replay').waitFor();
}

const progress = (n: number, of: number) =>
  waitUntil(
    async () => (await panel.text('.replay-progress')) === `${n} / ${of}`,
    `${n} of ${of} appended`,
    15_000,
  );

test('Replay on an answer: its prompt, the chat’s sampling, Next and Play append its own tokens, ranks, how it ended', async () => {
  const first = replays[0]?.result;
  const a1 = answer('a1');
  assert.ok(first && a1.stats?.tokenIds && a1.stats.sampling);
  await openPanel();
  assert.equal(await panel.page.locator('gb-message vscode-button.replay-answer').count(), 2);
  await openReplay('a1', 0);
  assert.equal(
    await panel.page.locator('.replay-note').count(),
    0,
    'the answer kept its ids: nothing to note',
  );
  await progress(0, first.answer.length);
  assert.match(await panel.text('gb-step-text'), new RegExp(`${first.prompt.length} prompt tokens`));
  // the chat's own sampling is set, so Sample draws as the chat did
  const temperature = await panel.page.locator('input.step-temperature').inputValue();
  assert.equal(Number(temperature), a1.stats.sampling.temperature);
  assert.equal(Number(await panel.page.locator('input.step-topp').inputValue()), a1.stats.sampling.topP);
  const marked = panel.page.locator('.step-next .dist li.answer-next .dist-text');
  const inTop = first.next.top.find((t) => t.id === first.answer[0]);
  assert.equal(await marked.count(), inTop ? 1 : 0);
  if (inTop) assert.equal(await marked.innerText(), visible(inTop.text));

  const steps = appendsOf(first);
  const next = await panel.expectRequest('step/append', () =>
    panel.page.locator('vscode-button.replay-next').click(),
  );
  assert.deepEqual(next, { handle: first.handle, id: first.answer[0] });
  await progress(1, first.answer.length);
  await panel.page.locator('vscode-button.replay-play').click();
  await progress(first.answer.length, first.answer.length);

  // the replay rebuilds the chat's text exactly, each token coloured by the rank it had at its step
  assert.equal((await panel.page.locator('.generated-text').textContent()) ?? '', a1.content);
  assert.equal(decoded(steps.map((s) => s.appended)), a1.content);
  const titles = await panel.page
    .locator('.gen-tok')
    .evaluateAll((els) => els.map((e) => ({ cls: e.className, title: e.getAttribute('title') ?? '' })));
  assert.ok(
    steps.every((s) => s.appended.bytes.every((b) => b < 0x80)),
    'ASCII answer: one span a token',
  );
  assert.equal(titles.length, steps.length);
  steps.forEach((s, i) => {
    assert.match(titles[i]?.cls ?? '', new RegExp(`b-${bucketOf(s.appended.rank)}`), `token ${i}`);
    assert.match(titles[i]?.title ?? '', new RegExp(`rank ${s.appended.rank.toLocaleString('en-US')} when`));
  });
  const ending = await panel.text('.replay-end');
  assert.match(ending, a1.stats.stopReason === 'eos' ? /picked the stop token/ : /answer length limit/);
  const stopShown = /stop token has (\S+) here/.exec(ending)?.[1] ?? '';
  assertPercent(stopShown, steps.at(-1)?.next.stopProb ?? NaN, 'stop probability after the answer');
  assert.equal(await panel.page.locator('vscode-button.replay-next').getAttribute('disabled'), '');
  assert.equal(await panel.page.locator('vscode-button.replay-play').getAttribute('disabled'), '');
  await panel.page.locator('gb-step-replay').scrollIntoViewIfNeeded();
  await screenshot(panel, 'generate-replay');
  await panel.assertClean();
});

test('Accepting a sampled token the answer did not take leaves the replay there', async () => {
  const second = replays[1]?.result;
  const sample = resultsOf<StepSampleResult>(data.calls, 'step/sample')[0];
  assert.ok(second && sample);
  await openReplay('a1', 0);
  await progress(0, second.answer.length);
  const params = sample.params as { seed: number };
  await panel.page.locator('vscode-textfield.step-seed input').fill(String(params.seed));
  const sent = await panel.expectRequest('step/sample', () =>
    panel.page.locator('vscode-button.step-sample').click(),
  );
  assert.deepEqual(sent, sample.params);
  assert.notEqual(sample.result.chosen.id, second.answer[0]);
  await panel.page.locator('.chosen-text').waitFor();
  await panel.page.locator('vscode-button.step-accept').click();
  await panel.page.locator('.replay-left').waitFor();
  assert.match(await panel.text('.replay-left'), /at answer token 1:/);
  assert.equal(await panel.text('.replay-progress'), `0 / ${second.answer.length}`);
  assert.equal(await panel.page.locator('vscode-button.replay-next').getAttribute('disabled'), '');
});

test('An answer without token ids is tokenized again, says so, and its emoji and CJK appear whole', async () => {
  const third = replays[2]?.result;
  const a2 = answer('a2');
  assert.ok(third);
  await openReplay('a2', 1);
  assert.match(await panel.text('.replay-note'), /did not keep its token ids/);
  await panel.page.locator('vscode-button.replay-play').click();
  await progress(third.answer.length, third.answer.length);
  assert.equal((await panel.page.locator('.generated-text').textContent()) ?? '', a2.content);
  const steps = appendsOf(third);
  assert.ok(
    steps.some((s) => s.appended.text.startsWith('<0x')),
    'the emoji came as byte tokens',
  );
  const texts = await panel.page.locator('.gen-tok').allTextContents();
  assert.ok(texts.includes('🙂'), `the emoji shows as one character: ${JSON.stringify(texts)}`);
  assert.ok(!texts.some((t) => t.includes('<0x') || t.includes('\uFFFD')));
  const emoji = panel.page.locator('.gen-tok', { hasText: '🙂' }).first();
  assert.match((await emoji.getAttribute('title')) ?? '', /tokens make this character/);
  assert.ok(texts.length < steps.length, 'byte tokens are grouped');
  await panel.assertClean();
});

test('Replay in Inspector from VS Code’s Chat view: the host’s step/openReplay opens that answer in the step-through', async () => {
  await openPanel();
  await panel.page.locator('vscode-tab-header.tab-chat').click();
  const params = await panel.expectRequest('step/replay', () =>
    panel.notify('step/openReplay', { conversationId: data.conversation.id, messageId: 'a1' }),
  );
  assert.deepEqual(params, { conversationId: data.conversation.id, messageId: 'a1' });
  await panel.page.locator('vscode-tab-panel.view-generate gb-step-replay .step-replay').waitFor();
});
