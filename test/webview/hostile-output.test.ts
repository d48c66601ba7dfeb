// Hostile model output in Chromium: scripts, event handlers, javascript:/command: links and images stay inert; huge tables don't freeze.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistant, conversation, hostConfig, user } from './support/fixtures';
import { waitUntil, testBed } from './support/panel';

const bed = testBed();

const hostile = (origin: string) =>
  [
    'Here is some output.',
    "<script>window.__pwned = 'script'</script>",
    `<img src="${origin}/pixel.png" onerror="window.__pwned = 'img'">`,
    '<b onmouseover="window.__pwned = \'hover\'">raw bold</b> <a href="javascript:window.__pwned=1">raw link</a>',
    '<iframe src="javascript:window.__pwned = \'iframe\'"></iframe>',
    `![a tracking pixel](${origin}/track.png)`,
    "[x](javascript:window.__pwned='js')",
    '[quit](command:workbench.action.quit)',
    '[docs](https://example.com/docs)',
    '<style>body { display: none }</style>',
    '```html\n<script>window.__pwned = "fence"</script>\n```',
  ].join('\n\n');

test('scripts, handlers, raw HTML, images and javascript:/command: links render inert', async () => {
  const origin = bed().server.origin;
  const panel = await bed().open(hostConfig());
  const url = panel.page.url();
  const content = hostile(origin);
  // it arrives streamed, cut at awkward places, then whole
  await panel.notify('chat/updated', {
    conversation: conversation('c1', 'Hostile', [user('u1', 'go'), assistant('a1', '', 'streaming')]),
  });
  for (let i = 0; i < content.length; i += 37) {
    await panel.notify('chat/delta', {
      conversationId: 'c1',
      messageId: 'a1',
      text: content.slice(i, i + 37),
    });
  }
  await panel.notify('chat/finished', { conversationId: 'c1', message: assistant('a1', content, 'done') });
  const body = panel.page.locator('.message-assistant gb-markdown');
  await body.locator('.code-block').waitFor();
  await waitUntil(async () => (await body.locator('.md-link').count()) === 3, 'the three links');

  // raw HTML is shown as text, never parsed into elements
  const text = (await body.textContent()) ?? '';
  for (const raw of ['<script>', '<img src=', 'onmouseover=', '<iframe', '<style>'])
    assert.ok(text.includes(raw), raw);
  const found = await panel.page.evaluate(() => {
    const md = document.querySelector('.message-assistant gb-markdown') as Element;
    const all = [...document.querySelectorAll('#app *')];
    return {
      tags: [...md.querySelectorAll('script, img, iframe, style, object, embed, svg, form, input')].map(
        (e) => e.tagName,
      ),
      handlers: all.flatMap((e) => e.getAttributeNames().filter((a) => a.toLowerCase().startsWith('on'))),
      urls: [...md.querySelectorAll('[href], [src], [action], [formaction], [xlink\\:href]')].map(
        (e) => e.outerHTML,
      ),
      styles: [...md.querySelectorAll('[style]')].length,
    };
  });
  assert.deepEqual(found, { tags: [], handlers: [], urls: [], styles: 0 });

  // the image is not loaded: its alt text stands in
  assert.equal(await panel.text('.md-image'), 'a tracking pixel');
  assert.ok(
    !bed().server.requested.some((p) => p === '/track.png' || p === '/pixel.png'),
    'no image was fetched',
  );

  // javascript: is not even a link; command: and https: links (and bare URLs) are inert and only ask the host
  const links = await body
    .locator('.md-link')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.href));
  assert.deepEqual(links, [
    `${origin}/pixel.png`,
    'command:workbench.action.quit',
    'https://example.com/docs',
  ]);
  const quit = await panel.expectRequest('link/open', () => body.locator('.md-link').nth(1).click());
  assert.deepEqual(quit, { href: 'command:workbench.action.quit' });
  await body.locator('.md-link').nth(2).focus();
  const docs = await panel.expectRequest('link/open', () => panel.page.keyboard.press('Enter'));
  assert.deepEqual(docs, { href: 'https://example.com/docs' });
  await body.getByText('raw bold').hover();
  await body.getByText('raw link').click();
  await panel.page.waitForTimeout(200);

  assert.equal(panel.page.url(), url, 'nothing navigated');
  assert.equal(await panel.page.evaluate(() => window.__pwned), undefined, 'no model text ran');
  await panel.assertClean();
  await panel.close();
});

test('a 10,000-row table renders completely without freezing the page', async () => {
  const rows = ['| # | name | value |', '|---:|:---|:---:|'];
  for (let i = 0; i < 10_000; i++) rows.push(`| ${i} | row **${i}** [l](command:x${i}) | ${i * 3} |`);
  const table = `A big table:\n\n${rows.join('\n')}\n\nThe end.`;
  const panel = await bed().open(hostConfig());
  await panel.page.evaluate(() => {
    const w = window as unknown as { longest: number };
    w.longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  const started = Date.now();
  await panel.notify('chat/updated', {
    conversation: conversation('big', 'Big table', [
      user('u1', 'table please'),
      assistant('a1', table, 'done'),
    ]),
  });
  // while it renders, the page keeps answering clicks
  await panel.page.locator('.message-assistant gb-markdown .md-chunk').first().waitFor({ timeout: 10_000 });
  const clickLatency = await panel.page.evaluate(async () => {
    const button = document.querySelector('vscode-toolbar-button.toggle-history') as HTMLElement;
    const t0 = performance.now();
    button.click();
    const end = t0 + 10_000;
    while (!document.querySelector('gb-history') && performance.now() < end) {
      await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now() - t0;
  });
  await panel.page.getByText('The end.').waitFor({ state: 'attached', timeout: 60_000 });
  const elapsed = Date.now() - started;
  const result = await panel.page.evaluate(() => ({
    rows: document.querySelectorAll('.message-assistant tbody tr').length,
    headers: document.querySelectorAll('.message-assistant thead th').length,
    last: [...document.querySelectorAll('.message-assistant tbody tr')].pop()?.textContent,
    longest: (window as unknown as { longest: number }).longest,
    rightAligned: document.querySelectorAll('.message-assistant td.align-right').length,
  }));
  console.log(
    `10,000 rows in ${elapsed} ms; click handled in ${clickLatency.toFixed(0)} ms; longest task ${result.longest.toFixed(0)} ms`,
  );
  assert.equal(result.rows, 10_000);
  assert.equal(result.headers, 3);
  assert.equal(result.rightAligned, 10_000);
  assert.match(result.last ?? '', /9999\s*row 9999 l\s*29997/);
  assert.ok(clickLatency < 1_000, `a click during rendering took ${clickLatency} ms`);
  assert.ok(result.longest < 1_000, `the longest task took ${result.longest} ms`);
  await panel.assertClean();
  await panel.close();
});

test('a big table streamed in pieces keeps updating and ends complete', async () => {
  const rows = ['| n | square |', '|---|---|'];
  for (let i = 0; i < 3_000; i++) rows.push(`| ${i} | ${i * i} |`);
  const table = `${rows.join('\n')}\n\nDone.`;
  const panel = await bed().open(hostConfig());
  await panel.notify('chat/updated', {
    conversation: conversation('c1', 'Squares', [user('u1', 'squares'), assistant('a1', '', 'streaming')]),
  });
  const piece = Math.ceil(table.length / 30);
  for (let i = 0; i < table.length; i += piece) {
    await panel.notify('chat/delta', {
      conversationId: 'c1',
      messageId: 'a1',
      text: table.slice(i, i + piece),
    });
    await panel.page.waitForTimeout(20);
  }
  await panel.notify('chat/finished', { conversationId: 'c1', message: assistant('a1', table, 'done') });
  await panel.page.getByText('Done.').waitFor({ state: 'attached', timeout: 30_000 });
  await waitUntil(
    async () => (await panel.page.locator('.message-assistant tbody tr').count()) === 3_000,
    'all 3,000 rows',
    30_000,
  );
  await panel.assertClean();
  await panel.close();
});
