// Tests CPU int8 compute (glassbox.cpuFastMath) on a trained q4 model: greedy tokens and held-out bits/byte vs the model's own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scoreText } from '../../../src/engine/inspect/score';
import { generate } from '../../../src/engine/generation/generate';
import { emptyCache, logitsRow, runStep } from '../../../src/engine/model/forward';
import { disposeModel, loadModel, type LoadedModel } from '../../../src/engine/model/model';
import { fixturesDir, repoRoot } from '../../support/model-folder';

/** The stated tolerances: int8 compute may move held-out bits per byte by at most this much, */
const BITS_PER_BYTE_TOLERANCE = 0.01;
/** and greedy decoding may take another token only where the model's own top two logits are this close. */
const GREEDY_TIE = 0.05;

const dir = join(fixturesDir, 'quantized', 'glassbox-tiny-q4');
// graceful-fs is one of the bundled model's held-out packages (data-manifest.json: same version, 25,972 bytes)
const heldOut = ['graceful-fs.js', 'polyfills.js', 'legacy-streams.js', 'clone.js']
  .map((f) => readFileSync(join(repoRoot, 'node_modules', 'graceful-fs', f), 'utf8'))
  .join('\n');

const prompts = [
  'function parseArgs(argv) {\n  const out = {};\n',
  'import { readFileSync } from "node:fs";\n\nexport function loadJson(path) {\n',
  'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n',
  'class Stack {\n  constructor() {\n',
  '#include <stdio.h>\n\nint main(void) {\n',
];

describe('CPU int8 compute on the bundled model quantized to q4', () => {
  let exact: LoadedModel;
  let fast: LoadedModel;
  before(async () => {
    exact = await loadModel(dir, { ep: 'cpu', threads: 1, cpuAccuracy: 'model' });
    fast = await loadModel(dir, { ep: 'cpu', threads: 1, cpuAccuracy: 'int8' });
  });
  after(async () => {
    await disposeModel(exact);
    await disposeModel(fast);
  });

  test('the int8 graph is the one that runs', () => {
    assert.equal(exact.runGraph?.int8Nodes, 0);
    assert.ok((fast.runGraph?.int8Nodes ?? 0) > 0);
  });

  test(`greedy: 48 tokens equal the model compute's, or part only where its top two are within ${GREEDY_TIE}`, async () => {
    let equal = 0;
    for (const p of prompts) {
      const ids = exact.tokenizer.encodeIds(p);
      const a = await generate({ ...exact, eosIds: [] }, ids, { greedy: true, maxNewTokens: 48 });
      const b = await generate({ ...fast, eosIds: [] }, ids, { greedy: true, maxNewTokens: 48 });
      const split = a.tokens.findIndex((t, i) => t !== b.tokens[i]);
      if (split < 0) {
        equal++;
        continue;
      }
      // where they part, the model's own logits must nearly tie between the two choices
      const context = [...ids, ...a.tokens.slice(0, split)];
      const out = await runStep(exact.session, exact, context, emptyCache(exact), { logits: 'last' });
      const row = logitsRow(out, exact.dims.vocab);
      const gap = (row[a.tokens[split] as number] as number) - (row[b.tokens[split] as number] as number);
      assert.ok(
        gap >= 0 && gap < GREEDY_TIE,
        `after ${JSON.stringify(p)}: parted at ${split}, logit gap ${gap}`,
      );
    }
    assert.ok(equal >= prompts.length / 2, `only ${equal} of ${prompts.length} prompts gave equal tokens`);
  });

  test(`held-out bits per byte move by less than ${BITS_PER_BYTE_TOLERANCE}`, async () => {
    const a = await scoreText(exact, heldOut);
    const b = await scoreText(fast, heldOut);
    assert.equal(a.bytes, 25972 + 3); // the four files and the three newlines joining them
    const delta = Math.abs(b.bitsPerByte - a.bitsPerByte);
    assert.ok(
      delta < BITS_PER_BYTE_TOLERANCE,
      `bits/byte ${a.bitsPerByte.toFixed(4)} (model) vs ${b.bitsPerByte.toFixed(4)} (int8)`,
    );
    assert.ok(delta > 0, 'int8 compute changed nothing: the edit did not take');
  });
});
