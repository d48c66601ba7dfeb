// bench/sampling.ts (a dev script) runs and both paths choose the same tokens; no timing is asserted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchSampling, ROWS, SETTINGS } from '../../../bench/sampling';

test('the sampling bench measures every setting on every row kind, old and new choosing the same tokens', () => {
  const figures = benchSampling(3000, 3, 1);
  assert.equal(figures.length, SETTINGS.length * ROWS.length);
  for (const f of figures) {
    assert.equal(f.mismatches, 0, `${f.setting}, ${f.row}`);
    assert.ok(f.oldMs > 0 && f.newMs > 0, `${f.setting}, ${f.row}`);
  }
});
