// @glassbox /tokens and /inspect: the markdown table of a real inspection of the bundled model, checked cell by cell.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineService } from '../../../src/engine/engine-service';
import { tokenTable } from '../../../src/host/lm/token-table';
import { bundledModel } from '../../support/model-folder';

const cache = mkdtempSync(join(tmpdir(), 'glassbox-tokens-'));
after(() => rmSync(cache, { recursive: true, force: true }));

test('every token is a row with its id, surprisal in bits and rank; model text stays inside code spans', async () => {
  const engine = new EngineService({ cacheDir: cache });
  try {
    await engine.load({ dir: bundledModel, ep: 'cpu', threads: 1 });
    const text = 'const a = `x|y`;\n\tlet b = a;';
    const ctx = { signal: new AbortController().signal, stream: () => undefined };
    const r = await engine.handle('inspect/run', { text, topK: 1 }, ctx as never);
    const md = tokenTable(r, 'a.ts (lines 1-2)', 'glassbox-tiny');
    const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, r.tokens.length);
    r.tokens.forEach((t, i) => {
      const cells = (rows[i] as string).split(' | ');
      assert.equal(cells[2], String(t.id));
      const p = r.positions[i];
      if (p) assert.equal(Number(cells[3]), Number((-p.logprob / Math.LN2).toFixed(2)));
      // a token's backticks and pipes cannot close the code span or the cell
      assert.doesNotMatch(cells[1] as string, /^`.*[`|].*`$/);
    });
    const total = r.positions.reduce((s, p) => s + (p ? -p.logprob / Math.LN2 : 0), 0);
    assert.match(md, new RegExp(`${r.tokens.length} tokens for glassbox-tiny, ${total.toFixed(1)} bits`));
    // /inspect: the summary only
    assert.equal(tokenTable(r, 'a.ts', 'glassbox-tiny', 0).includes('| # |'), false);
  } finally {
    await engine.dispose();
  }
});
