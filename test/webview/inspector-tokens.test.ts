// The Inspector's Tokens view in Chromium on a recorded result: grouping (emoji, CJK, whitespace), hover, reveal, keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InspectToken } from '../../src/protocol/engine-methods';
import { openInspector, screenshot, showView, stripReady, unicode } from './support/inspector';
import { waitUntil, testBed } from './support/panel';

const bed = testBed();

const hexOf = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

/**
 * The characters whose UTF-8 bytes cross a token boundary, as runs of token indexes (a token that ends one such
 * character and starts another joins them): what the strip must show as groups.
 */
function splitCharacters(
  text: string,
  tokens: InspectToken[],
): { first: number; last: number; text: string }[] {
  const ends: number[] = [];
  let total = 0;
  for (const t of tokens) ends.push((total += t.bytes.length));
  const tokenAt = (byte: number) => ends.findIndex((end) => byte < end);
  const groups: { first: number; last: number; text: string }[] = [];
  let at = 0;
  for (const ch of text) {
    const size = new TextEncoder().encode(ch).length;
    const first = tokenAt(at);
    const last = tokenAt(at + size - 1);
    at += size;
    if (first < 0 || first === last) continue;
    const previous = groups[groups.length - 1];
    if (previous && previous.last >= first) {
      previous.last = Math.max(previous.last, last);
      previous.text += ch;
    } else groups.push({ first, last, text: ch });
  }
  return groups;
}

test('tokens: emoji and CJK split across tokens show once, never as U+FFFD; whitespace is visible; each token keeps its hover', async () => {
  const { raw, data } = unicode();
  const tokens = data.state.result?.tokens ?? [];
  const panel = await openInspector(bed(), raw.state);
  await stripReady(panel, tokens.length);

  // what the strip shows, unit by unit (a group's glyph once; its parts carry their bytes only as CSS content)
  const stripText = await panel.page
    .locator('.token-strip')
    .evaluate((strip) =>
      [...strip.children]
        .map((c) => (c.classList.contains('tok-group') ? c.querySelector('.glyph') : c)?.textContent ?? '')
        .join(''),
    );
  assert.ok(!stripText.includes('\uFFFD'), `no U+FFFD in the strip: ${stripText}`);
  assert.ok(!((await panel.page.locator('gb-token-strip').textContent()) ?? '').includes('\uFFFD'));
  // markers back to whitespace gives the inspected text exactly: every character shown once, in order
  const restored = stripText.replace(/⏎\n/g, '\n').replace(/·/g, ' ').replace(/→/g, '\t');
  assert.equal(restored, data.text);
  assert.ok(stripText.includes('→') && stripText.includes('⏎') && stripText.includes('·'));

  const expected = splitCharacters(data.text, tokens);
  assert.ok(expected.length >= 1, 'the fixture has characters split across tokens (🙂, 你, 好)');
  const groups = await panel.page.locator('.tok-group').evaluateAll((els) =>
    els.map((el) => ({
      glyph: el.querySelector('.glyph')?.textContent ?? '',
      parts: [...el.querySelectorAll<HTMLElement>('.tok')].map((t) => Number(t.dataset.i)),
    })),
  );
  assert.deepEqual(
    groups.map((g) => ({ text: g.glyph, first: g.parts[0], last: g.parts.at(-1) })),
    expected.map((g) => ({ text: g.text, first: g.first, last: g.last })),
  );

  // every token of every group has its own hover with its own id and bytes
  for (const g of expected) {
    for (let i = g.first; i <= g.last; i++) {
      const token = tokens[i] as InspectToken;
      await panel.page.locator(`.tok[data-i="${i}"]`).hover();
      await waitUntil(
        async () => (await panel.text('gb-token-details .token-id')) === String(token.id),
        `details of token ${i}`,
      );
      assert.equal(await panel.text('gb-token-details .token-bytes'), hexOf(token.bytes));
      assert.match(await panel.text('gb-token-details .details-text'), new RegExp(`part of “${g.text}”`));
    }
  }
  await panel.page.locator('.tok-group').first().scrollIntoViewIfNeeded();
  await screenshot(panel, 'tokens');
  await panel.assertClean();
  await panel.close();
});

test('tokens: hover and focus show id, bytes and text; a click selects the token in the editor (inspect/reveal)', async () => {
  const { raw, data } = unicode();
  const tokens = data.state.result?.tokens ?? [];
  const panel = await openInspector(bed(), raw.state);
  await showView(panel, 'tokens');
  await stripReady(panel, tokens.length);
  const i = tokens.findIndex((t) => /^ ?\w{3,}$/.test(t.text));
  const token = tokens[i] as InspectToken;
  await panel.page.locator(`.tok[data-i="${i}"]`).hover();
  await waitUntil(async () => (await panel.text('gb-token-details .token-id')) === String(token.id), 'hover');
  assert.equal(await panel.text('gb-token-details .token-bytes'), hexOf(token.bytes));
  assert.equal(await panel.text('gb-token-details .details-text'), token.text.replace(/ /g, '·'));

  const reveal = await panel.expectRequest('inspect/reveal', () =>
    panel.page.locator(`.tok[data-i="${i}"]`).click(),
  );
  assert.deepEqual(reveal, { start: token.start, end: token.end });
  assert.equal(await panel.page.locator(`.tok[data-i="${i}"]`).getAttribute('aria-selected'), 'true');

  // keyboard: ← and → move the selection (and focus); Enter reveals
  await panel.page.keyboard.press('ArrowRight');
  await waitUntil(
    async () =>
      (await panel.page.locator(`.tok[data-i="${i + 1}"]`).getAttribute('aria-selected')) === 'true',
    'the next token selected',
  );
  assert.equal(
    await panel.page.evaluate(() => (document.activeElement as HTMLElement).dataset.i),
    String(i + 1),
  );
  assert.equal(await panel.text('gb-token-details .token-id'), String(tokens[i + 1]?.id));
  await panel.page.keyboard.press('ArrowLeft');
  await panel.page.keyboard.press('ArrowLeft');
  await waitUntil(
    async () =>
      (await panel.page.locator(`.tok[data-i="${i - 1}"]`).getAttribute('aria-selected')) === 'true',
    'the previous token selected',
  );
  const byKey = await panel.expectRequest('inspect/reveal', () => panel.page.keyboard.press('Enter'));
  assert.deepEqual(byKey, { start: tokens[i - 1]?.start, end: tokens[i - 1]?.end });
  assert.equal(await panel.page.locator('.tok[aria-selected="true"]').count(), 1);
  assert.equal(await panel.page.locator('.tok[tabindex="0"]').count(), 1, 'one tab stop in the strip');
  await panel.assertClean();
  await panel.close();
});
