// The Inspector's Prediction view in Chromium on a recorded result: GLTR rank buckets, surprisal, per-token numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InspectorState } from '../../src/protocol/panel-methods';
import {
  assertPercent,
  bucketOf,
  openInspector,
  screenshot,
  showView,
  stripReady,
  unicode,
  visible,
} from './support/inspector';
import { waitUntil, testBed } from './support/panel';

const bed = testBed();

const bitsOf = (nats: number) => `${(nats / Math.LN2).toFixed(2)} bits`;
test('prediction: tokens per rank bucket in the strip equal the counts from the fixture ranks; hover shows the numbers', async () => {
  const { raw, data } = unicode();
  const r = data.state.result;
  assert.ok(r);
  const panel = await openInspector(bed(), raw.state);
  await showView(panel, 'prediction');
  await stripReady(panel, r.tokens.length);

  const expected = { top1: 0, top10: 0, top100: 0, beyond: 0, none: 0 };
  for (const p of r.positions) expected[p ? bucketOf(p.rank) : 'none']++;
  assert.ok(
    expected.top1 > 0 && expected.top10 + expected.top100 + expected.beyond > 0,
    'several buckets used',
  );
  for (const [bucket, n] of Object.entries(expected)) {
    assert.equal(await panel.page.locator(`.token-strip.mode-rank .tok.b-${bucket}`).count(), n, bucket);
    if (bucket !== 'none')
      assert.match(await panel.text(`.rank-legend .legend-${bucket}`), new RegExp(`\\(${n}\\)`));
  }

  // the token the model found least likely: its numbers, unrounded until shown
  let worst = 0;
  r.positions.forEach((p, i) => {
    if (p && p.rank > (r.positions[worst]?.rank ?? 0)) worst = i;
  });
  const p = r.positions[worst];
  assert.ok(p);
  await panel.page.locator(`.tok[data-i="${worst}"]`).hover();
  await waitUntil(
    async () => (await panel.text('gb-token-details .rank')) === p.rank.toLocaleString('en-US'),
    'the rank of the hovered token',
  );
  assert.equal(await panel.text('gb-token-details .surprisal'), bitsOf(-p.logprob));
  assert.equal(await panel.text('gb-token-details .entropy'), bitsOf(p.entropy));
  assertPercent(await panel.text('gb-token-details .prob'), Math.exp(p.logprob), 'probability');
  const alternatives = await panel.page.locator('gb-token-details .alternatives .alt-text').allTextContents();
  assert.deepEqual(
    alternatives,
    p.top.map((a) => visible(a.text)),
  );
  await screenshot(panel, 'prediction');

  // surprisal: a continuous scale from the same numbers
  await panel.page.locator('vscode-radio[value="surprisal"]').click();
  await panel.page.locator('.token-strip.mode-surprisal').waitFor();
  const levels = await panel.page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('gb-token-strip .tok')].map((el) => ({
      i: Number(el.dataset.i),
      s: Number(el.style.getPropertyValue('--s')),
    })),
  );
  const high = levels.reduce((a, b) => (b.s > a.s ? b : a));
  const low = levels.reduce((a, b) => (b.s < a.s ? b : a));
  const surprisal = (i: number) => -(r.positions[i]?.logprob ?? 0);
  assert.ok(surprisal(high.i) > surprisal(low.i), 'more surprising tokens are coloured more');
  await panel.page.locator('.surprisal-legend').waitFor();
  await screenshot(panel, 'prediction-surprisal');
  await panel.assertClean();
  await panel.close();
});

test('prediction: a first token that nothing precedes shows "no prediction (first token)"', async () => {
  const { raw } = unicode();
  const result = raw.state.result;
  assert.ok(result);
  const state: InspectorState = {
    ...raw.state,
    result: { ...result, bos: null, positions: [null, ...result.positions.slice(1)] },
  };
  const panel = await openInspector(bed(), state);
  await showView(panel, 'prediction');
  await stripReady(panel, result.tokens.length);
  assert.equal(await panel.page.locator('.token-strip .tok.b-none').count(), 1);
  assert.match(await panel.text('.rank-legend .legend-none'), /no prediction \(1\)/);
  await panel.page.locator('.tok[data-i="0"]').hover();
  await waitUntil(
    async () => (await panel.text('gb-token-details')).includes('no prediction (first token)'),
    'the first token has no prediction',
  );
  await panel.assertClean();
  await panel.close();
});
