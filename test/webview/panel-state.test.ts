// The panel around the chat in Chromium: ready handshake, first-run notice, model status, tabs, state kept over a reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistant, conversation, hostConfig, readyModel, selection, user } from './support/fixtures';
import { waitUntil, testBed } from './support/panel';

const bed = testBed();

test('startup says panel/ready first; the first-run notice explains the demo model and how to use a real one', async () => {
  const panel = await bed().open(hostConfig({ firstRun: true }));
  const requests = await panel.requests();
  assert.equal(requests[0]?.method, 'panel/ready');
  const notice = await panel.text('gb-first-run');
  assert.match(notice, /glassbox-tiny.*tiny demonstration model/s);
  assert.match(notice, /Hugging Face cache.*download from the Hub.*glassbox\.modelPath/s);
  await panel.expectRequest('model/choose', () =>
    panel.page.locator('gb-first-run').getByRole('button', { name: 'Choose model…' }).click(),
  );
  const settings = await panel.expectRequest('settings/open', () =>
    panel.page.getByRole('button', { name: 'Set model folder…' }).click(),
  );
  assert.deepEqual(settings, { query: 'glassbox.modelPath' });
  await panel.expectRequest('notice/dismiss', () =>
    panel.page.getByRole('button', { name: 'Dismiss' }).click(),
  );
  await panel.page.locator('gb-first-run').waitFor({ state: 'detached' });
  await panel.assertClean();
  await panel.close();
});

test('the status line offers Choose model and shows a download in progress with its numbers', async () => {
  const panel = await bed().open(hostConfig({}));
  await panel.page.locator('.status-line .choose-model').waitFor();
  await panel.expectRequest('model/choose', () => panel.page.locator('.status-line .choose-model').click());
  const download = {
    repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    dtype: 'q4',
    bytes: 3 * 2 ** 20,
    total: 12 * 2 ** 20,
    bytesPerSecond: 2 ** 20,
    secondsLeft: 9,
  };
  await panel.notify('model/status', { ...readyModel, download });
  await panel.page.locator('.download-line').waitFor();
  assert.match(
    await panel.text('.download-line'),
    /Downloading onnx-community\/Qwen2\.5-Coder-0\.5B-Instruct \(q4\): 25%.*3\.0 MB of 12\.0 MB, 1\.0 MB\/s, 9 s left/s,
  );
  assert.equal(await panel.page.locator('.download-line progress').getAttribute('value'), '25');
  await panel.notify('model/status', readyModel);
  await panel.page.locator('.download-line').waitFor({ state: 'detached' });
  await panel.assertClean();
  await panel.close();
});

test('the status line follows model/status: loading, failed with its reason, ready with provider and speed', async () => {
  const panel = await bed().open(hostConfig({ model: null }));
  assert.equal(await panel.text('.status-line'), 'No model status yet');
  await panel.notify('model/status', { ...readyModel, state: 'loading' });
  await waitUntil(
    async () => (await panel.text('.status-line')).includes('Loading glassbox-tiny…'),
    'loading',
  );
  await panel.notify('model/status', { ...readyModel, state: 'error', error: 'onnx/model.onnx is missing' });
  await panel.page.locator('.status-error').waitFor();
  assert.match(
    await panel.text('.status-error'),
    /glassbox-tiny failed to load: onnx\/model\.onnx is missing/,
  );
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.type('hello');
  assert.match(await panel.text('.send-blocked'), /model failed to load/);
  await panel.notify('model/status', {
    ...readyModel,
    executionProvider: 'cpu',
    fallbacks: ['cuda: libcudart.so.12 not found'],
    lastTokensPerSecond: 88.04,
  });
  await panel.page.locator('.status-error').waitFor({ state: 'detached' });
  assert.match(
    await panel.text('.status-line'),
    /glassbox-tiny\s*demo\s*on cpu · 2,048-token context · 88\.0 tokens\/s/,
  );
  assert.match(await panel.text('.fallbacks'), /1 provider skipped: cuda: libcudart\.so\.12 not found/);
  await panel.assertClean();
  await panel.close();
});

test('the Inspector tab asks for its state and says to select code; panel/showTab switches tabs', async () => {
  const panel = await bed().open(hostConfig());
  await panel.page.locator('vscode-tab-header.tab-inspector').click();
  await panel.page.getByText('Select code in an editor to inspect it').waitFor();
  assert.equal((await panel.requests('inspect/state')).length, 1);
  assert.equal(await panel.page.locator('vscode-tab-panel.panel-chat').getAttribute('hidden'), '');
  await panel.notify('panel/showTab', { tab: 'chat' });
  await waitUntil(
    async () => (await panel.page.locator('vscode-tab-panel.panel-chat').getAttribute('hidden')) === null,
    'the chat tab shown',
  );
  await panel.notify('panel/showTab', { tab: 'inspector' });
  await panel.page.getByText('Select code in an editor to inspect it').waitFor();
  await panel.assertClean();
  await panel.close();
});

test('tab, draft, open conversation and attachments come back after a reload', async () => {
  const first = conversation('c1', 'First', [user('u1', 'one'), assistant('a1', 'First answer.')]);
  const second = conversation('c2', 'Second', [user('u2', 'two'), assistant('a2', 'Second answer.')]);
  const panel = await bed().open(hostConfig({ conversations: [first, second], current: first }));
  await panel.page.getByText('First answer.').waitFor();
  await panel.page.locator('vscode-toolbar-button.toggle-history').click();
  await panel.page.getByRole('button', { name: /Open conversation Second/ }).click();
  await panel.page.getByText('Second answer.').waitFor();
  await panel.notify('chat/attach', { attachment: selection('src/a.ts', 1, 2, 'let a = 1;\nlet b = 2;') });
  await panel.page.locator('.chip').waitFor();
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.type('a draft in progress');
  await panel.page.locator('vscode-tab-header.tab-inspector').click();
  await panel.page.getByText('Select code in an editor to inspect it').waitFor();

  await panel.page.reload({ timeout: 10_000 });
  await panel.ready();
  // opening c2 made it the host's current conversation: panel/ready brings it back (not the webview's saved state)
  await panel.page.getByText('Select code in an editor to inspect it').waitFor();
  await panel.page.locator('vscode-tab-header.tab-chat').click();
  await panel.page.getByText('Second answer.').waitFor();
  assert.equal(
    await panel.page.locator('vscode-textarea').evaluate((e) => (e as HTMLTextAreaElement).value),
    'a draft in progress',
  );
  assert.equal(await panel.text('.chip .chip-label'), 'src/a.ts:1-2');
  await panel.assertClean();
  await panel.close();
});

test("the conversation on screen after a reload is the host's to say: New chat tells it, a stale saved state does not count", async () => {
  const first = conversation('c1', 'First', [user('u1', 'one'), assistant('a1', 'First answer.')]);
  const second = conversation('c2', 'Second', [user('u2', 'two'), assistant('a2', 'Second answer.')]);
  // the webview's saved state names c2 (as a stale state after a window reload can); the host says c1
  const stale = { version: 1, tab: 'chat', draft: '', conversationId: 'c2', attachments: [] };
  const panel = await bed().open(
    hostConfig({ conversations: [first, second], current: first, state: stale }),
  );
  await panel.page.getByText('First answer.').waitFor();
  assert.equal(await panel.page.getByText('Second answer.').count(), 0);
  assert.deepEqual(await panel.requests('history/open'), []);

  await panel.page.locator('vscode-toolbar-button.new-chat').click();
  await waitUntil(async () => (await panel.requests('chat/new')).length === 1, 'New chat tells the host');
  await panel.page.reload({ timeout: 10_000 });
  await panel.ready();
  await panel.page.getByText('Ask the model about your code.').waitFor();
  assert.equal(await panel.page.getByText('First answer.').count(), 0);
  await panel.assertClean();
  await panel.close();
});

test('a failed send is reported and the draft is kept', async () => {
  const panel = await bed().open(hostConfig());
  await panel.setError('chat/send', 'the engine is not running');
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.type('keep me');
  await panel.page.keyboard.press('Enter');
  assert.equal(await panel.text('.error-banner .error-text'), 'Sending failed: the engine is not running');
  assert.equal(
    await panel.page.locator('vscode-textarea').evaluate((e) => (e as HTMLTextAreaElement).value),
    'keep me',
  );
  await panel.assertClean();
  await panel.close();
});
