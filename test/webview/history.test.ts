// History in Chromium: the list, opening a conversation, deleting one after an inline confirmation, failures shown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistant, conversation, hostConfig, summary, T0, user } from './support/fixtures';
import { waitUntil, type PanelPage, testBed } from './support/panel';

const bed = testBed();

const older = conversation(
  'c-old',
  'Sorting a list',
  [user('u1', 'sort?'), assistant('a1', 'Use `sort()`.')],
  T0,
);
const newer = conversation(
  'c-new',
  'Reading a file',
  [user('u2', 'read a file?'), assistant('a2', 'Use `readFile`.')],
  T0 + 3_600_000,
);

const titles = (panel: PanelPage) => panel.page.locator('.history-title').allTextContents();

async function openHistory(panel: PanelPage): Promise<void> {
  await panel.expectRequest('history/list', () =>
    panel.page.locator('vscode-toolbar-button.toggle-history').click(),
  );
  await panel.page.locator('gb-history').waitFor();
}

test('the history lists conversations newest first and opens the one clicked', async () => {
  const panel = await bed().open(hostConfig({ conversations: [older, newer], current: null }));
  await openHistory(panel);
  assert.deepEqual(await titles(panel), ['Reading a file', 'Sorting a list']);
  assert.match(await panel.text('.history-meta'), /2 messages/);
  const opened = await panel.expectRequest('history/open', () =>
    panel.page.getByRole('button', { name: /Open conversation Sorting a list/ }).click(),
  );
  assert.deepEqual(opened, { id: 'c-old' });
  await panel.page.getByText('Use sort().').waitFor();
  assert.equal(await panel.text('.chat-title'), 'Sorting a list');
  assert.equal(
    await panel.page.locator('.history-item.current .history-title').textContent(),
    'Sorting a list',
    'the open conversation is marked',
  );
  // the host tells the panel when the stored list changes
  await panel.notify('history/changed', {
    conversations: [
      summary(older),
      summary(newer),
      { ...summary(older), id: 'c-3', title: 'Third', updatedAt: T0 + 9e6 },
    ],
  });
  await waitUntil(async () => (await titles(panel))[0] === 'Third', 'the new list');
  await panel.assertClean();
  await panel.close();
});

test('delete asks inline first; Cancel keeps the conversation, Delete removes it', async () => {
  const panel = await bed().open(hostConfig({ conversations: [older, newer], current: newer }));
  await openHistory(panel);
  const trash = panel.page.getByRole('button', { name: 'Delete conversation Reading a file' });
  await trash.click();
  assert.match(await panel.text('.confirm-text'), /Delete “Reading a file”\?/);
  await panel.page.locator('vscode-button.confirm-cancel').click();
  await trash.waitFor();
  assert.equal((await panel.requests('history/delete')).length, 0, 'nothing deleted on Cancel');

  await trash.click();
  const deleted = await panel.expectRequest('history/delete', () =>
    panel.page.locator('vscode-button.confirm-delete').click(),
  );
  assert.deepEqual(deleted, { id: 'c-new' });
  await waitUntil(async () => (await titles(panel)).join() === 'Sorting a list', 'the list without it');
  // it was the open conversation: the panel is on a new chat now
  assert.equal(await panel.text('.chat-title'), 'New chat');
  await panel.page.locator('.empty-chat').waitFor();
  await panel.assertClean();
  await panel.close();
});

test('a failing request is shown to the user, not swallowed', async () => {
  const panel = await bed().open(hostConfig({ conversations: [older], current: null }));
  await panel.setError('history/open', 'the history file is unreadable');
  await openHistory(panel);
  await panel.page.getByRole('button', { name: /Open conversation Sorting a list/ }).click();
  assert.equal(
    await panel.text('.error-banner .error-text'),
    'Opening the conversation failed: the history file is unreadable',
  );
  await panel.page.getByRole('button', { name: 'Dismiss this error' }).click();
  await panel.page.locator('.error-banner').waitFor({ state: 'detached' });
  await panel.assertClean();
  await panel.close();
});
