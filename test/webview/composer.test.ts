// The composer in Chromium: context meter and the over-context refusal, attachments from chat/attach, keyboard use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversation, hostConfig, selection, user } from './support/fixtures';
import { waitUntil, testBed } from './support/panel';

const bed = testBed();

test('the context meter follows the draft (debounced) and an over-long draft is refused, not cut', async () => {
  const panel = await bed().open(hostConfig({ contextLength: 100, basePromptTokens: 10 }));
  await waitUntil(
    async () => (await panel.text('.meter-text')) === '10 / 100 tokens',
    'the empty-draft numbers',
  );
  const before = (await panel.requests('chat/contextUse')).length;
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.type('0123456789abcdefghij', { delay: 20 }); // 20 chars: 5 tokens
  await waitUntil(
    async () => (await panel.text('.meter-text')) === '15 / 100 tokens',
    'numbers for the draft',
  );
  const asked = (await panel.requests('chat/contextUse')).slice(before);
  assert.ok(asked.length <= 3, `${asked.length} chat/contextUse requests for 20 keystrokes`);
  assert.deepEqual(asked.at(-1)?.params, {
    conversationId: null,
    draft: '0123456789abcdefghij',
    attachments: [],
  });
  assert.equal(await panel.page.locator('.meter-track').getAttribute('aria-valuenow'), '15');
  const width = await panel.page.locator('.meter-fill').evaluate((e) => (e as HTMLElement).style.width);
  assert.equal(width, '15%');

  // 400 more characters: 115 tokens > 100
  await panel.page.keyboard.type('x'.repeat(400));
  await panel.page.locator('.send-blocked').waitFor();
  assert.match(
    await panel.text('.send-blocked'),
    /does not fit: the prompt would take 115 tokens of the model's 100-token/,
  );
  assert.equal(await panel.page.locator('vscode-button.send').getAttribute('disabled'), '');
  await panel.page.keyboard.press('Enter');
  await panel.page.waitForTimeout(300);
  assert.equal((await panel.requests('chat/send')).length, 0, 'nothing sent');
  assert.equal(
    (
      (await panel.page
        .locator('vscode-textarea')
        .evaluate((e) => (e as HTMLTextAreaElement).value)) as string
    ).length,
    420,
    'the draft is kept whole',
  );

  // shortened again, it goes
  await panel.page.locator('vscode-textarea').evaluate((e) => {
    const area = e as HTMLTextAreaElement;
    area.value = 'short';
    area.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  });
  await panel.page.locator('.send-blocked').waitFor({ state: 'detached' });
  const sent = await panel.expectRequest<{ text: string }>('chat/send', () =>
    panel.page.keyboard.press('Enter'),
  );
  assert.equal(sent.text, 'short');
  await panel.assertClean();
  await panel.close();
});

test('Send refuses a draft typed and sent before the meter caught up', async () => {
  const panel = await bed().open(hostConfig({ contextLength: 100, basePromptTokens: 10 }));
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.insertText('y'.repeat(500));
  await panel.page.keyboard.press('Enter'); // at once, before the 250 ms debounce
  await panel.page.locator('.send-blocked').waitFor();
  assert.equal((await panel.requests('chat/send')).length, 0);
  await panel.assertClean();
  await panel.close();
});

test('chat/attach adds a removable chip that goes with the next message and shows on it', async () => {
  const panel = await bed().open(hostConfig());
  await panel.page.locator('vscode-tab-header.tab-inspector').click();
  const a = selection('src/math.ts', 3, 5, 'export function add(a: number, b: number) {\n  return a + b;\n}');
  const b = selection('src/util.ts', 10, 10, 'const x = 1;');
  await panel.notify('chat/attach', { attachment: a });
  await panel.page.locator('.chip').waitFor();
  assert.equal(
    await panel.page.locator('vscode-tab-panel.panel-chat').getAttribute('hidden'),
    null,
    'back on Chat',
  );
  await panel.notify('chat/attach', { attachment: a }); // the same selection again: not twice
  await panel.notify('chat/attach', { attachment: b });
  await waitUntil(async () => (await panel.page.locator('.chip').count()) === 2, 'two chips');
  assert.deepEqual(await panel.page.locator('.chip .chip-label').allTextContents(), [
    'src/math.ts:3-5',
    'src/util.ts:10',
  ]);
  assert.equal(await panel.text('.chip .chip-language'), 'typescript');
  await waitUntil(
    async () => (await panel.page.evaluate(() => document.activeElement?.tagName)) === 'VSCODE-TEXTAREA',
    'the input focused after attaching',
  );

  await panel.page.getByRole('button', { name: 'Remove attachment src/util.ts, line 10' }).click();
  await waitUntil(async () => (await panel.page.locator('.chip').count()) === 1, 'one chip left');
  await panel.page.keyboard.type('What does this do?');
  const sent = await panel.expectRequest<{ attachments: unknown[] }>('chat/send', () =>
    panel.page.keyboard.press('Enter'),
  );
  assert.deepEqual(sent.attachments, [a]);
  await panel.page.locator('.chip').waitFor({ state: 'detached' });

  await panel.notify('chat/updated', {
    conversation: conversation('c-new', 'What does this do?', [user('u1', 'What does this do?', [a])]),
  });
  const shown = panel.page.locator('.message-user .attachment summary');
  await shown.waitFor();
  assert.match((await shown.textContent()) ?? '', /src\/math\.ts:3-5\s*typescript/);
  assert.equal(await shown.getAttribute('title'), 'src/math.ts, lines 3-5 (typescript)');
  await panel.assertClean();
  await panel.close();
});

test('the keyboard reaches the input and Send; Enter sends, Shift+Enter breaks the line', async () => {
  const panel = await bed().open(hostConfig());
  const focused = () =>
    panel.page.evaluate(() => {
      const el = document.activeElement;
      return `${el?.tagName.toLowerCase()}${el?.className ? `.${el.className.split(' ')[0]}` : ''}`;
    });
  const reached: string[] = [];
  for (let i = 0; i < 15 && !reached.includes('vscode-textarea.input'); i++) {
    await panel.page.keyboard.press('Tab');
    reached.push(await focused());
  }
  assert.ok(reached.includes('vscode-textarea.input'), `Tab went through ${reached.join(', ')}`);
  await panel.page.keyboard.type('line one');
  await panel.page.keyboard.press('Shift+Enter');
  await panel.page.keyboard.type('line two');
  assert.equal((await panel.requests('chat/send')).length, 0, 'Shift+Enter does not send');
  await panel.page.keyboard.press('Tab');
  await waitUntil(async () => (await focused()) === 'vscode-button.send', 'Send focused');
  assert.equal(await panel.page.locator('vscode-button.send').getAttribute('aria-label'), 'Send message');
  const sent = await panel.expectRequest<{ text: string }>('chat/send', () =>
    panel.page.keyboard.press('Enter'),
  );
  assert.equal(sent.text, 'line one\nline two');
  await panel.assertClean();
  await panel.close();
});
