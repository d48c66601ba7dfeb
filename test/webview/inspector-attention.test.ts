// The Inspector's Attention view in Chromium on recorded results: the layer x head grid, full maps, hover links.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttentionMatrix } from '../../src/protocol/engine-methods';
import { ATTENTION_LINK_MIN } from '../../webview/inspector/heatmap';
import { resultsOf } from './support/inspect-fixtures';
import {
  assertPercent,
  openInspector,
  openUnicode,
  screenshot,
  showView,
  stripReady,
  tokensWith,
  unicode,
  withUnavailable,
} from './support/inspector';
import { waitUntil, type PanelPage, testBed } from './support/panel';

const bed = testBed();

/** Alpha of the centre pixel of every cell of the full map, row-major (null: the map has no geometry yet). */
function cellAlphas(panel: PanelPage): Promise<number[] | null> {
  return panel.page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('canvas.map-canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !canvas.dataset.cell) return null;
    const origin = Number(canvas.dataset.origin);
    const cell = Number(canvas.dataset.cell);
    const n = Math.round((canvas.width / devicePixelRatio - origin) / cell);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = Math.floor((origin + (j + 0.5) * cell) * devicePixelRatio);
        const y = Math.floor((origin + (i + 0.5) * cell) * devicePixelRatio);
        out.push(pixels.data[(y * canvas.width + x) * 4 + 3] ?? 0);
      }
    }
    return out;
  });
}

test('attention: layers x heads thumbnails plus a mean column; a click fetches that layer/head and draws it, causal', async () => {
  const { panel, data, r } = await openUnicode(bed());
  const thumbsRequest = await panel.expectRequest('inspect/thumbnails', () => showView(panel, 'attention'));
  assert.deepEqual(thumbsRequest, { handle: r.handle, size: 24 });
  await panel.page.locator('.attention-grid').waitFor();
  assert.equal(await panel.page.locator('button.thumb').count(), r.layers * (r.heads + 1));
  assert.equal(await panel.page.locator('button.thumb.thumb-mean').count(), r.layers);
  assert.equal(await panel.page.locator('.attention-grid thead th').count(), 1 + r.heads + 1);
  const thumbnails = resultsOf<AttentionMatrix>(data.calls, 'inspect/thumbnails')[0]?.result;
  assert.ok(thumbnails);
  // every thumbnail drawn at the recorded size with something visible
  await waitUntil(
    () =>
      panel.page.evaluate(
        (size) =>
          [...document.querySelectorAll<HTMLCanvasElement>('button.thumb canvas')].every((c) => {
            const pixels = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
            return c.width === size && [...pixels].some((v, k) => k % 4 === 3 && v > 0);
          }),
        thumbnails.size,
      ),
    'every thumbnail drawn',
  );

  for (const { params, result: matrix } of resultsOf<AttentionMatrix>(data.calls, 'inspect/attention')) {
    const { layer, head } = params as { layer: number; head: number | 'mean' };
    const asked = await panel.expectRequest('inspect/attention', () =>
      panel.page.locator(`button.thumb[data-layer="${layer}"][data-head="${head}"]`).click(),
    );
    assert.deepEqual(asked, { handle: r.handle, layer, head });
    const n = matrix.size;
    assert.equal(n, r.tokens.length + (r.bos ? 1 : 0));
    let alphas: number[] | null = null;
    await waitUntil(async () => {
      alphas = await cellAlphas(panel);
      return alphas?.length === n * n && alphas.some((a) => a > 0);
    }, `the map of layer ${layer} head ${head} drawn`);
    const drawn = alphas as unknown as number[];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const w = matrix.data[i * n + j] as number;
        const a = drawn[i * n + j] as number;
        if (j > i) assert.equal(a, 0, `nothing above the diagonal (${i}, ${j})`);
        else if (w >= 0.01) assert.ok(a > 0, `weight ${w} at (${i}, ${j}) is visible`);
      }
    }
    // the pointer over a cell reads out its weight
    await panel.page.locator('canvas.map-canvas').scrollIntoViewIfNeeded();
    const box = await panel.page.locator('canvas.map-canvas').boundingBox();
    const cell = await panel.page.locator('canvas.map-canvas').evaluate((c) => Number(c.dataset.cell));
    const origin = await panel.page.locator('canvas.map-canvas').evaluate((c) => Number(c.dataset.origin));
    assert.ok(box);
    const [row, col] = [Math.floor(n / 2), 0];
    await panel.page.mouse.move(box.x + origin + (col + 0.5) * cell, box.y + origin + (row + 0.5) * cell);
    await waitUntil(async () => (await panel.text('.map-readout')).includes('gives'), 'the readout');
    const readout = await panel.text('.map-readout');
    assert.match(
      readout,
      new RegExp(`\\(row ${row}\\) gives (.*) of its attention to .*\\(column ${col}\\)`),
    );
    assertPercent(
      readout.split(' gives ')[1]?.split(' of ')[0] ?? '',
      matrix.data[row * n + col] ?? 0,
      'readout',
    );
    assert.match(
      await panel.text('.attention-map h3'),
      new RegExp(`Layer ${layer + 1}, ${head === 'mean' ? 'mean of its heads' : `head ${head + 1}`}`),
    );
    assert.equal(
      await panel.page
        .locator(`button.thumb[data-layer="${layer}"][data-head="${head}"]`)
        .getAttribute('aria-pressed'),
      'true',
    );
  }
  assert.equal((await panel.requests('inspect/thumbnails')).length, 1, 'thumbnails fetched once per result');
  await panel.assertClean();
  await panel.close();
});

test('attention: hovering token i marks exactly the tokens above the threshold in row i (attends to) and column i (attended by)', async () => {
  const { panel, data, r } = await openUnicode(bed(), { width: 520, height: 1400 });
  await showView(panel, 'attention');
  await stripReady(panel, r.tokens.length);
  const recorded = resultsOf<AttentionMatrix>(data.calls, 'inspect/attention')[0];
  assert.ok(recorded);
  const { layer, head } = recorded.params as { layer: number; head: number };
  await panel.page.locator(`button.thumb[data-layer="${layer}"][data-head="${head}"]`).click();
  await panel.page.locator('.token-strip.linking').waitFor();

  const matrix = recorded.result;
  const n = matrix.size;
  const offset = r.bos ? 1 : 0;
  const weight = (q: number, k: number) => matrix.data[(q + offset) * n + (k + offset)] as number;
  let linked = 0;
  for (const i of [r.tokens.length - 1, Math.floor(r.tokens.length / 2), 2, 0]) {
    const to: number[] = [];
    const from: number[] = [];
    for (let k = 0; k < r.tokens.length; k++) {
      if (k <= i && weight(i, k) >= ATTENTION_LINK_MIN) to.push(k);
      if (k > i && weight(k, i) >= ATTENTION_LINK_MIN) from.push(k);
    }
    linked += to.length + from.length;
    await panel.page.locator(`.tok[data-i="${i}"]`).hover();
    await waitUntil(
      async () => (await panel.page.locator('.tok.hovered').getAttribute('data-i')) === String(i),
      `token ${i} hovered`,
    );
    assert.deepEqual(await tokensWith(panel, 'att-to'), to, `row ${i}: what token ${i} attends to`);
    assert.deepEqual(await tokensWith(panel, 'att-from'), from, `column ${i}: what attends to token ${i}`);
    const strengths = await panel.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.tok.att-to, .tok.att-from')].map((el) => ({
        i: Number(el.dataset.i),
        w: el.style.getPropertyValue('--w'),
      })),
    );
    for (const s of strengths) {
      const w = to.includes(s.i) ? weight(i, s.i) : weight(s.i, i);
      assert.equal(s.w, w.toFixed(3), `strength of token ${s.i}`);
    }
    if (r.bos) {
      const bos = matrix.data[(i + offset) * n] as number;
      assertPercent(await panel.text('.attention-summary strong'), bos, `token ${i}'s attention to BOS`);
    }
  }
  assert.ok(linked > 0, 'some links were above the threshold');
  await panel.page.locator(`.tok[data-i="${r.tokens.length - 1}"]`).hover();
  await screenshot(panel, 'attention');
  await panel.page.mouse.move(0, 0);
  await waitUntil(async () => (await tokensWith(panel, 'att-to')).length === 0, 'links cleared on leave');
  await panel.assertClean();
  await panel.close();
});

test('attention: when the model has none, the view says why and fetches nothing', async () => {
  const { raw } = unicode();
  const reason = 'the attention Softmax outputs could not be found in this graph';
  const panel = await openInspector(bed(), withUnavailable(raw.state, 'attention', reason));
  await showView(panel, 'attention');
  assert.match(await panel.text('gb-attention-view .unavailable'), new RegExp(reason));
  assert.equal((await panel.requests('inspect/thumbnails')).length, 0);
  await panel.assertClean();
  await panel.close();
});
