// The chat in Chromium: a streamed answer renders as markdown in order; Stop, Regenerate and New chat do what they say.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { assistant, conversation, hostConfig, stats, user } from './support/fixtures';
import { resultsDir, waitUntil, type PanelPage, testBed } from './support/panel';

const bed = testBed();

const question = user('u1', 'How do I add two numbers in TypeScript?');
const started = conversation('c1', 'Adding numbers', [question, assistant('a1', '', 'streaming')]);

/** Types a question, sends it with Enter, and answers as the host does: the conversation with an empty answer. */
async function ask(panel: PanelPage): Promise<void> {
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.type(question.content);
  const sent = await panel.expectRequest<{ text: string; conversationId: string | null }>('chat/send', () =>
    panel.page.keyboard.press('Enter'),
  );
  assert.equal(sent.text, question.content);
  assert.equal(sent.conversationId, null);
  await panel.notify('chat/updated', { conversation: started });
  await panel.page.locator('gb-composer vscode-button.stop').waitFor();
}

const deltas = [
  'To add two numbers, write a function',
  ' with **typed** parameters:\n\n',
  '```ts\nfunction add(a: number, b: number): number {\n',
  '  return a + b;\n}\n```\n\n',
  'Then:\n\n- call `add(1, 2)`\n- get `3`',
];
const answer = deltas.join('');

test('a streamed answer appears delta by delta, as markdown, and ends with its stats', async () => {
  const panel = await bed().open(hostConfig());
  await ask(panel);
  const body = panel.page.locator('.message-assistant gb-markdown');
  let seen = '';
  for (const text of deltas) {
    await panel.notify('chat/delta', { conversationId: 'c1', messageId: 'a1', text });
    seen += text;
    const words = seen
      .replace(/[*`#-]|```ts/g, '')
      .split(/\s+/)
      .filter(Boolean);
    const last = words[words.length - 1] ?? '';
    await waitUntil(async () => ((await body.textContent()) ?? '').includes(last), `"${last}" on screen`);
  }
  const text = (await body.textContent()) ?? '';
  const order = ['To add two numbers', 'typed', 'function add', 'return a + b', 'Then:', 'add(1, 2)', '3'];
  const positions = order.map((s) => text.indexOf(s));
  assert.ok(
    positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? 0))),
    `in order: ${text}`,
  );
  assert.equal(await body.locator('strong').textContent(), 'typed');
  assert.equal(await body.locator('li').count(), 2);
  assert.equal(await body.locator('.code-block .hljs-keyword').first().textContent(), 'function');
  assert.equal(await panel.text('.message-assistant .message-state'), 'Answering…');
  assert.equal(
    await panel.page.locator('gb-composer vscode-button.send').count(),
    0,
    'Send hidden while streaming',
  );

  await panel.notify('chat/finished', {
    conversationId: 'c1',
    message: assistant('a1', answer, 'done', stats(42)),
  });
  await panel.page.locator('.message-assistant vscode-button.regenerate').waitFor();
  assert.match(await panel.text('.message-assistant .stats'), /42 tokens · 31\.3 tokens\/s · cpu · finished/);
  assert.equal(await panel.page.locator('.message-assistant .message-state').count(), 0);
  await panel.page.locator('gb-composer vscode-button.send').waitFor();
  await panel.page.screenshot({ path: join(resultsDir, 'webview-chat.png') });
  await panel.assertClean();
  await panel.close();
});

test('streamed deltas re-render only the streaming message, at most once a frame', async () => {
  const earlier = assistant('a0', 'An **earlier** answer with `code`.', 'done', stats(5));
  const c = conversation('c1', 'Two answers', [
    user('u0', 'first'),
    earlier,
    question,
    assistant('a1', '', 'streaming'),
  ]);
  const panel = await bed().open(hostConfig({ conversations: [c], current: c }));
  await panel.page.locator('gb-markdown strong').waitFor();
  const counts = await panel.page.evaluate(async () => {
    const [first, streaming] = [...document.querySelectorAll('gb-markdown')];
    const mutations: [number, number] = [0, 0];
    const marker = first?.firstElementChild;
    [first, streaming].forEach((el, i) =>
      new MutationObserver((records) => (mutations[i as 0 | 1] += records.length)).observe(el as Node, {
        childList: true,
      }),
    );
    for (let i = 0; i < 300; i++)
      window.__host.notify('chat/delta', { conversationId: 'c1', messageId: 'a1', text: `w${i} ` });
    const end = Date.now() + 5_000;
    while (!streaming?.textContent?.includes('w299') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    return {
      first: mutations[0],
      streaming: mutations[1],
      same: first?.firstElementChild === marker,
      text: streaming?.textContent ?? '',
    };
  });
  assert.ok(counts.text.includes('w0 w1 w2') && counts.text.includes('w299'), 'all deltas shown, in order');
  assert.equal(counts.first, 0, 'the earlier answer was not re-rendered');
  assert.ok(counts.same, 'the earlier answer kept its nodes');
  assert.ok(counts.streaming <= 30, `300 deltas caused ${counts.streaming} renders`);
  await panel.assertClean();
  await panel.close();
});

test('Stop sends chat/stop for the conversation and the stopped answer says so', async () => {
  const panel = await bed().open(hostConfig());
  await ask(panel);
  await panel.notify('chat/delta', { conversationId: 'c1', messageId: 'a1', text: 'Partial answ' });
  const stop = await panel.expectRequest('chat/stop', () =>
    panel.page.locator('gb-composer vscode-button.stop').click(),
  );
  assert.deepEqual(stop, { conversationId: 'c1' });
  await panel.notify('chat/finished', {
    conversationId: 'c1',
    message: assistant('a1', 'Partial answ', 'stopped', stats(3, 'cancelled')),
  });
  assert.equal(await panel.text('.message-assistant .message-state.stopped'), 'Stopped');
  await panel.page.locator('gb-composer vscode-button.send').waitFor();
  assert.equal(await panel.page.locator('gb-composer vscode-button.stop').count(), 0);
  await panel.assertClean();
  await panel.close();
});

test('the Stop button is one element for the whole answer (a click cannot land on a replaced one)', async () => {
  const panel = await bed().open(hostConfig());
  await ask(panel);
  const button = await panel.page.locator('gb-composer vscode-button.stop').elementHandle();
  assert.ok(button);
  for (let i = 0; i < 30; i++) {
    await panel.notify('chat/delta', { conversationId: 'c1', messageId: 'a1', text: `token ${i} ` });
  }
  await panel.page.locator('.message-assistant', { hasText: 'token 29' }).waitFor();
  const same = await button.evaluate(
    (el) => el.isConnected && el === document.querySelector('gb-composer vscode-button.stop'),
  );
  assert.ok(same, 'the Stop button stayed the same element while the answer streamed');
  await panel.expectRequest('chat/stop', () => button.click());
  await panel.notify('chat/finished', {
    conversationId: 'c1',
    message: assistant('a1', 'token 0', 'stopped', stats(3, 'cancelled')),
  });
  await panel.page.locator('gb-composer vscode-button.send').waitFor();
  assert.ok(
    await button.evaluate((el) => el.isConnected && el.classList.contains('send')),
    'and it turns back into Send',
  );
  await panel.assertClean();
  await panel.close();
});

test('Regenerate asks for the last answer again; New chat starts an empty conversation', async () => {
  const c = conversation('c1', 'Adding numbers', [question, assistant('a1', 'Use `+`.', 'done', stats(4))]);
  const panel = await bed().open(hostConfig({ conversations: [c], current: c }));
  const regenerate = await panel.expectRequest('chat/regenerate', () =>
    panel.page.locator('.message-assistant vscode-button.regenerate').click(),
  );
  assert.deepEqual(regenerate, { conversationId: 'c1' });
  // the host drops the old answer and streams a new one
  await panel.notify('chat/updated', {
    conversation: { ...c, messages: [question, assistant('a2', '', 'streaming')] },
  });
  await panel.page.locator('.message-assistant.state-streaming').waitFor();
  assert.equal(
    await panel.page.locator('vscode-button.regenerate').count(),
    0,
    'no Regenerate while streaming',
  );
  await panel.notify('chat/finished', {
    conversationId: 'c1',
    message: assistant('a2', 'Use the `+` operator.', 'done'),
  });
  await panel.page.locator('.message-assistant vscode-button.regenerate').waitFor();

  await panel.page.locator('vscode-toolbar-button.new-chat').click();
  await panel.page.locator('.empty-chat').waitFor();
  assert.equal(await panel.text('.chat-title'), 'New chat');
  await panel.page.locator('vscode-textarea').click();
  await panel.page.keyboard.type('A new question');
  const sent = await panel.expectRequest<{ conversationId: string | null }>('chat/send', () =>
    panel.page.keyboard.press('Enter'),
  );
  assert.equal(sent.conversationId, null, 'New chat sends without a conversation');
  await panel.assertClean();
  await panel.close();
});

test('the list follows a streaming answer, stops following when the user scrolls up, and resumes at the bottom', async () => {
  const panel = await bed().open(hostConfig(), { width: 420, height: 420 });
  await panel.notify('chat/updated', { conversation: started });
  const list = panel.page.locator('gb-messages');
  const position = () =>
    list.evaluate((el) => ({ top: el.scrollTop, gap: el.scrollHeight - el.scrollTop - el.clientHeight }));
  const stream = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      await panel.notify('chat/delta', {
        conversationId: 'c1',
        messageId: 'a1',
        text: `Paragraph ${i}.\n\n`,
      });
    }
    await panel.page.getByText(`Paragraph ${to - 1}.`).waitFor();
    await panel.page.waitForTimeout(100);
  };
  await stream(0, 30);
  assert.ok((await position()).gap <= 2, 'at the bottom while streaming');

  await list.hover();
  await panel.page.mouse.wheel(0, -400);
  await waitUntil(async () => (await position()).gap > 100, 'scrolled up');
  const readingAt = (await position()).top;
  await stream(30, 45);
  assert.equal((await position()).top, readingAt, 'left where the user is reading');

  await panel.page.mouse.wheel(0, 100_000);
  await waitUntil(async () => (await position()).gap <= 2, 'back at the bottom');
  await stream(45, 60);
  assert.ok((await position()).gap <= 2, 'following again');
  await panel.assertClean();
  await panel.close();
});
