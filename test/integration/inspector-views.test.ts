// In a real VS Code: the Attention, Logit lens, Embeddings and Generate views show data for the inspected text.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { inspectLines, openInspectorWorkbench, visible, type Inspected } from './inspected';
import { artifacts, until, type Workbench } from './workbench';

/** The head whose full map the Attention view opens (0-based, as the CLI's --attention takes it). */
const HEAD = { layer: 0, head: 1 };
let wb: Workbench;
let inspected: Inspected;
let failed = false;

before(async () => {
  // tall enough for the Attention view's grid, full map and the tokens above them in one screenshot
  wb = await openInspectorWorkbench({ width: 1680, height: 1560 });
  inspected = await inspectLines(wb, 'stats.ts', 3, 6, {
    sideBarWidth: 1100,
    attention: `${HEAD.layer}:${HEAD.head}`,
  });
});
after(async () => {
  if (failed && wb) console.log(wb.logs().slice(-4000));
  await wb?.close();
});

/** One view's test; on failure the workbench as it was is saved next to the other screenshots. */
function viewTest(view: string, name: string, body: (panel: Frame) => Promise<void>): void {
  test(name, async () => {
    try {
      await inspected.panel.locator(`vscode-tab-header.view-tab-${view}`).click();
      await body(inspected.panel);
    } catch (e) {
      failed = true;
      await wb.page
        .screenshot({ path: join(artifacts, `inspector-view-${view}-failure.png`) })
        .catch(() => undefined);
      throw e;
    }
  });
}

const screenshot = (view: string) =>
  wb.page.screenshot({ path: join(artifacts, `inspector-view-${view}.png`) });

/** Whether a canvas has a painted pixel (runs in the page; typed by hand: these tests have no DOM types). */
function painted(el: unknown): boolean {
  const c = el as {
    width: number;
    height: number;
    getContext(
      kind: '2d',
    ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
  };
  const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
  for (let k = 3; k < data.length; k += 4) if ((data[k] as number) > 0) return true;
  return false;
}

/** A percentage as the panel prints it ("12.3%", "4.56%", "> 99.9%"), as a probability. */
const probability = (text: string) => Number(/([\d.]+)%/.exec(text)?.[1]) / 100;

describe('the inspector views in code-server', () => {
  viewTest(
    'attention',
    'Attention: a layer x head thumbnail grid; a thumbnail opens its full map; hovering a token links the tokens it attends to',
    async (panel) => {
      const { cli } = inspected;
      const view = panel.locator('.view-attention gb-attention-view');
      const grid = view.locator('.attention-grid');
      await grid.waitFor();
      assert.equal(await grid.locator('button.thumb:not(.thumb-mean)').count(), cli.layers * cli.heads);
      assert.equal(await grid.locator('button.thumb.thumb-mean').count(), cli.layers);
      const thumbs = cli.layers * (cli.heads + 1);
      await until(
        async () => (await grid.locator('button.thumb canvas[data-drawn]').count()) === thumbs,
        `all ${thumbs} thumbnails are drawn`,
      );

      const thumb = grid.locator(`button.thumb[data-layer="${HEAD.layer}"][data-head="${HEAD.head}"]`);
      await thumb.click();
      assert.equal(await thumb.getAttribute('aria-pressed'), 'true');
      const matrix = cli.attention as number[][];
      const n = matrix.length;
      assert.equal(n, cli.tokens.length + (cli.bos ? 1 : 0));
      const map = view.locator('.attention-map');
      await map.locator('h3', { hasText: `Layer ${HEAD.layer + 1}, head ${HEAD.head + 1}` }).waitFor();
      await until(
        async () => (await map.locator('[role="status"]').count()) === 0,
        'the full map has arrived',
      );
      const canvas = map.locator('canvas.map-canvas');
      assert.match((await canvas.getAttribute('aria-label')) ?? '', new RegExp(`: ${n} by ${n} weights$`));
      await until(() => canvas.evaluate(painted), 'the full map is drawn');
      // the cells fill the canvas: no blank band is left where axis labels did not fit
      const fill = await canvas.evaluate((el) => {
        const c = el as unknown as {
          getBoundingClientRect(): { width: number };
          dataset: Record<string, string | undefined>;
        };
        return {
          width: c.getBoundingClientRect().width,
          origin: Number(c.dataset.origin),
          cell: Number(c.dataset.cell),
        };
      });
      assert.ok(
        Math.abs(fill.origin + fill.cell * n - fill.width) < 1,
        `map geometry ${JSON.stringify(fill)}`,
      );

      // the strongest link in the CLI's map from a token to an earlier one (not itself, not the BOS)
      const offset = cli.bos ? 1 : 0;
      let best = { from: 0, to: 0, weight: -1 };
      for (let from = 0; from < cli.tokens.length; from++) {
        for (let to = 0; to < from; to++) {
          const weight = matrix[from + offset]?.[to + offset] ?? 0;
          if (weight > best.weight) best = { from, to, weight };
        }
      }
      assert.ok(best.weight > 0.2, `a link strong enough to be drawn: ${JSON.stringify(best)}`);
      const strip = panel.locator('.view-attention gb-token-strip');
      await strip.locator('.tok').nth(best.from).hover();
      await strip.locator('.tok.hovered').waitFor();
      assert.equal(await strip.locator('.tok.hovered').getAttribute('data-i'), String(best.from));
      // the tokens it looks at come before it (or are itself); the ones that look at it come after
      await strip.locator(`.tok.att-to[data-i="${best.to}"]`).waitFor();
      const linked = (cls: string) =>
        strip.locator(`.tok.${cls}`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-i'))));
      assert.ok((await linked('att-to')).every((i) => i <= best.from));
      assert.ok((await linked('att-from')).every((i) => i > best.from));
      // the details give the share it keeps for itself, as in the CLI's map
      const self = matrix[best.from + offset]?.[best.from + offset] ?? 0;
      const summary = panel.locator('.view-attention gb-token-details .attention-summary');
      const shown = probability(/([\d.]+%) to itself/.exec(await summary.innerText())?.[1] ?? '');
      assert.ok(Math.abs(shown - self) < 0.002, `self attention ${shown} vs the CLI's ${self}`);
      await screenshot('attention');
    },
  );

  viewTest(
    'lens',
    'Logit lens: a chosen position has one row per layer plus the embeddings; the last row is the model’s prediction',
    async (panel) => {
      const { cli } = inspected;
      // a visible token the model got right (rank 1), nearest the middle: some layer is its first top-1
      const middle = cli.tokens.length / 2;
      const position = cli.positions
        .map((p, i) => (p?.rank === 1 && /\S/.test(cli.tokens[i]?.text ?? '') ? i : -1))
        .filter((i) => i >= 0)
        .sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle))[0];
      assert.ok(position !== undefined, 'some token is the model’s top guess');
      const expected = cli.positions[position];
      assert.ok(expected);
      await panel.locator('.view-lens gb-token-strip .tok').nth(position).click();
      const view = panel.locator('.view-lens gb-lens-view');
      await view.locator('.lens-title', { hasText: `Predicting token ${position + 1} ` }).waitFor();
      const rows = view.locator('.lens-table tbody tr');
      await rows.first().waitFor();
      const layers = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-layer'))));
      assert.deepEqual(
        layers,
        Array.from({ length: cli.layers + 1 }, (_, l) => l),
      );
      // after the last layer the lens reads the model's own output: the CLI's rank and top guess
      const last = rows.last();
      assert.equal(
        Number((await last.locator('.lens-rank').innerText()).replace(/[^0-9]/g, '')),
        expected.rank,
      );
      const top = await last.locator('.lens-guess code').first().innerText();
      assert.equal(visible(top), visible(expected.top[0]?.text ?? ''));
      assert.equal(await view.locator('tr.first-top1 .first-badge').count(), 1);
      await screenshot('lens');
    },
  );

  viewTest(
    'embeddings',
    'Embeddings: the chosen token’s nearest tokens start with itself at cosine 1',
    async (panel) => {
      const { cli } = inspected;
      const position = 2;
      const token = cli.tokens[position];
      assert.ok(token);
      await panel.locator('.view-embeddings gb-token-strip .tok').nth(position).click();
      const view = panel.locator('.view-embeddings gb-neighbours-view');
      await view.locator('.neighbours-title', { hasText: `(id ${token.id})` }).waitFor();
      const items = view.locator('ol.neighbours li');
      await items.first().waitFor();
      const first = items.first();
      assert.equal(await first.getAttribute('class'), 'self');
      assert.equal(await first.locator('.neighbour-id').innerText(), String(token.id));
      assert.equal(visible(await first.locator('.neighbour-text').innerText()), visible(token.text));
      assert.equal(await first.locator('.neighbour-cosine').innerText(), '1.000');
      const cosines = (await items.locator('.neighbour-cosine').allInnerTexts()).map(Number);
      assert.ok(cosines.length > 1, 'more than the token itself');
      assert.ok(
        cosines.every((c, i) => i === 0 || c <= (cosines[i - 1] as number)),
        `sorted: ${cosines.join(' ')}`,
      );
      await screenshot('embeddings');
    },
  );

  viewTest(
    'generate',
    'Generate: From selection gives the next-token distribution; Sample then Accept appends the sampled token',
    async (panel) => {
      const view = panel.locator('.view-generate gb-step-view');
      await view.locator('.step-from-selection').click();
      const next = view.locator('.step-next .dist li');
      await next.first().waitFor();
      // the prompt is the inspected text
      const prompt = await view.locator('.step-tokens').innerText();
      assert.ok(
        visible(prompt).endsWith(visible(inspected.text)),
        `prompt ${visible(prompt)} ends with ${visible(inspected.text)}`,
      );
      const probs = (await next.locator('.dist-prob').allInnerTexts()).map(probability);
      assert.ok(
        probs.every((p) => p > 0 && p <= 1),
        `probabilities ${probs.join(' ')}`,
      );

      await view.locator('.step-sample').click();
      const chosen = view.locator('.step-chosen .chosen-text');
      await chosen.waitFor();
      const picked = await chosen.innerText();
      assert.equal(await view.locator('.stop-won').count(), 0, 'the sample is not the stop token');
      await view.locator('.step-accept').click();
      const generated = view.locator('.step-tok.gen-tok');
      await generated.first().waitFor();
      assert.equal(await generated.count(), 1);
      assert.equal(visible(await generated.innerText()), visible(picked));
      // the distribution after the appended token is shown
      await next.first().waitFor();
      await screenshot('generate');
    },
  );
});
