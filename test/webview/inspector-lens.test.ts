// The Inspector's Logit lens and Embeddings views in Chromium on recorded results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LensLayerResult, NeighbourResult } from '../../src/protocol/engine-methods';
import type { InspectorState } from '../../src/protocol/panel-methods';
import { resultsOf } from './support/inspect-fixtures';
import {
  assertPercent,
  openInspector,
  openUnicode,
  screenshot,
  showView,
  stripReady,
  unicode,
  visible,
  withUnavailable,
} from './support/inspector';
import { waitUntil, type PanelPage, testBed } from './support/panel';

const bed = testBed();

/** The lens table on screen against the recorded layers. */
async function assertLensTable(panel: PanelPage, rows: LensLayerResult[]): Promise<void> {
  await waitUntil(
    async () => (await panel.page.locator('.lens-table tbody tr').count()) === rows.length,
    'the lens table',
  );
  const shown = await panel.page.locator('.lens-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      layer: (tr as HTMLElement).dataset.layer,
      first: tr.classList.contains('first-top1'),
      guesses: [...tr.querySelectorAll('.lens-guess code')].map((c) => c.textContent ?? ''),
      rank: tr.querySelector('.lens-rank')?.textContent?.trim() ?? '',
      prob: tr.querySelector('.lens-prob')?.textContent?.trim() ?? '',
    })),
  );
  const first = rows.find((row) => row.rank === 1)?.layer;
  rows.forEach((row, i) => {
    const s = shown[i];
    assert.ok(s);
    assert.equal(s.layer, String(row.layer));
    assert.deepEqual(
      s.guesses,
      row.top.map((t) => visible(t.text)),
    );
    assert.equal(s.rank, row.rank.toLocaleString('en-US'));
    assertPercent(s.prob, row.prob, `layer ${row.layer} probability`);
    assert.equal(
      s.first,
      row.layer === first,
      `layer ${row.layer} highlighted only if it is the first top-1`,
    );
  });
  assert.equal(await panel.page.locator('tr.first-top1').count(), first === undefined ? 0 : 1);
}

test('logit lens: layers + 1 rows (embeddings .. final) with the recorded values; the first top-1 layer highlighted', async () => {
  const { panel, data, r } = await openUnicode(bed(), { width: 520, height: 1000 });
  const recorded = resultsOf<LensLayerResult[]>(data.calls, 'inspect/lens');
  const last = r.tokens.length - 1;
  // the default position is the last token
  const asked = await panel.expectRequest('inspect/lens', () => showView(panel, 'lens'));
  assert.deepEqual(asked, { handle: r.handle, position: last, topK: 5 });
  const lastRows = recorded.find((c) => (c.params as { position: number }).position === last)?.result;
  assert.ok(lastRows);
  assert.equal(lastRows.length, r.layers + 1);
  await assertLensTable(panel, lastRows);
  assert.match(await panel.text('.lens-table tbody tr:first-child th'), /embeddings/);
  assert.match(await panel.text('.lens-table tbody tr:last-child th'), /final/);
  await screenshot(panel, 'lens');

  // another position: click its token
  const other = recorded.find((c) => (c.params as { position: number }).position !== last);
  assert.ok(other);
  const position = (other.params as { position: number }).position;
  const again = await panel.expectRequest('inspect/lens', () =>
    panel.page.locator(`.tok[data-i="${position}"]`).click(),
  );
  assert.deepEqual(again, { handle: r.handle, position, topK: 5 });
  await assertLensTable(panel, other.result);
  await panel.assertClean();
  await panel.close();
});

test('logit lens: unavailable says why; a first token without a prediction says so', async () => {
  const { raw } = unicode();
  const result = raw.state.result;
  assert.ok(result);
  const reason = 'no per-layer hidden states in this graph';
  const panel = await openInspector(bed(), withUnavailable(raw.state, 'lens', reason));
  await showView(panel, 'lens');
  assert.match(await panel.text('gb-lens-view .unavailable'), new RegExp(reason));
  const noBos: InspectorState = {
    ...raw.state,
    result: { ...result, handle: 'i-no-bos', bos: null, positions: [null, ...result.positions.slice(1)] },
  };
  await panel.notify('inspect/state', noBos);
  await stripReady(panel, result.tokens.length);
  await panel.page.locator('.tok[data-i="0"]').click();
  await waitUntil(
    async () => (await panel.text('gb-lens-view')).includes('no prediction (first token)'),
    'no prediction for the first token',
  );
  const positions = (await panel.requests('inspect/lens')).map(
    (q) => (q.params as { position: number }).position,
  );
  assert.ok(!positions.includes(0), 'no lens asked for a position without a prediction');
  await panel.assertClean();
  await panel.close();
});

test('embeddings: the selected token’s nearest neighbours with their cosine similarity, itself first', async () => {
  const { panel, data, r } = await openUnicode(bed(), { width: 520, height: 900 });
  const recorded = resultsOf<NeighbourResult[]>(data.calls, 'inspect/neighbours');
  const lastId = r.tokens[r.tokens.length - 1]?.id;
  const asked = await panel.expectRequest('inspect/neighbours', () => showView(panel, 'embeddings'));
  assert.deepEqual(asked, { id: lastId, topK: 10 });

  for (const [k, call] of recorded.entries()) {
    const { id } = call.params as { id: number };
    if (k > 0) {
      const position: number = r.tokens.findIndex((t) => t.id === id);
      const params: unknown = await panel.expectRequest('inspect/neighbours', () =>
        panel.page.locator(`.tok[data-i="${position}"]`).click(),
      );
      assert.deepEqual(params, { id, topK: 10 });
    }
    await waitUntil(
      async () => (await panel.page.locator('.neighbours li').count()) === call.result.length,
      'the neighbours list',
    );
    const shown = await panel.page.locator('.neighbours li').evaluateAll((lis) =>
      lis.map((li) => ({
        text: li.querySelector('.neighbour-text')?.textContent ?? '',
        id: li.querySelector('.neighbour-id')?.textContent ?? '',
        cosine: li.querySelector('.neighbour-cosine')?.textContent ?? '',
        width: parseFloat((li.querySelector('.bar-fill') as HTMLElement | null)?.style.width ?? ''),
      })),
    );
    assert.deepEqual(
      shown,
      call.result.map((n) => ({
        text: visible(n.text),
        id: String(n.id),
        cosine: n.cosine.toFixed(3),
        width: Number((Math.max(0, Math.min(1, n.cosine)) * 100).toFixed(1)),
      })),
    );
    assert.equal(call.result[0]?.id, id, 'the token itself comes first');
    assert.equal(await panel.page.locator('.neighbours li.self').count(), 1);
  }
  await screenshot(panel, 'embeddings');
  await panel.assertClean();
  await panel.close();
});

test('embeddings: unavailable says why, lists which layouts have which views, and fetches nothing', async () => {
  const { raw } = unicode();
  const reason = 'the layers are inside If subgraphs';
  const panel = await openInspector(bed(), withUnavailable(raw.state, 'embeddings', reason));
  await showView(panel, 'embeddings');
  assert.match(await panel.text('gb-neighbours-view .unavailable'), new RegExp(reason));
  await panel.page.locator('gb-neighbours-view .layout-support summary').click();
  const rows = await panel.page.locator('gb-neighbours-view .layout-support tbody tr').count();
  assert.ok(rows >= 4, `the layout table has ${rows} rows`);
  assert.match(await panel.text('gb-neighbours-view .layout-support'), /merged decoder/);
  assert.equal((await panel.requests('inspect/neighbours')).length, 0);
  await panel.assertClean();
  await panel.close();
});
