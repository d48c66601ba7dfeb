// `glassbox inspect` end to end (node dist/cli.js) against the torch reference and a plain onnxruntime-node pass.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  dims,
  emptyPast,
  fixturesDir,
  openSession,
  readJson,
  repoRoot,
  row,
  step,
} from '../../support/model-folder';
import { glassbox as runCli } from '../../support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cli-inspect-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The CLI with its own cache folder (the edited graph copies stay in this test's temp folder). */
const glassbox = (...args: string[]) =>
  runCli(args, { ...process.env, GLASSBOX_CACHE_DIR: join(tmp, 'cache') });

interface Reference {
  rows: { text: string; ids: number[]; argmax: number[]; attention: number[][][][] }[];
}

interface Out {
  tokens: { id: number; text: string; start: number; end: number }[];
  positions: ({
    logprob: number;
    rank: number;
    entropy: number;
    top: { id: number; prob: number }[];
  } | null)[];
  bos: { id: number } | null;
  layers: number;
  heads: number;
  attention?: number[][];
}

describe('glassbox inspect', () => {
  const name = 'qwen2-gqa';
  const dir = join(fixturesDir, name);
  const ref = readJson<Reference>(join(repoRoot, 'test', 'fixtures', 'reference', `${name}.json`)).rows[0];
  assert.ok(ref);
  const prefix = '// a line before the span\n';
  const file = join(tmp, 'span.js');
  writeFileSync(file, `${prefix}${ref.text}// after\n`);
  const start = prefix.length;
  const end = start + ref.text.length;

  test('--start/--end: tokens carry file offsets; scores match ORT, top-1 and attention match torch', async () => {
    const r = glassbox(
      'inspect',
      '--file',
      file,
      '--start',
      String(start),
      '--end',
      String(end),
      '--model',
      dir,
      '--ep',
      'cpu',
      '--threads',
      '1',
      '--top-k',
      '3',
      '--attention',
      '1:3',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Out;
    assert.deepEqual([out.bos?.id, ...out.tokens.map((t) => t.id)], ref.ids);
    assert.equal(out.tokens[0]?.start, start);
    assert.equal(out.tokens.at(-1)?.end, end);
    assert.equal(out.tokens.map((t) => t.text).join(''), ref.text);
    for (const t of out.tokens) assert.ok(t.start < t.end && t.end <= end);

    const d = dims(dir);
    const session = await openSession(dir);
    const { logits } = await step(session, d, ref.ids, emptyPast(d));
    await session.release();
    out.tokens.forEach((tok, i) => {
      const p = out.positions[i];
      assert.ok(p);
      const x = row(logits, i, d.vocab);
      const m = Math.max(...x);
      const lse = m + Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0));
      assert.ok(Math.abs(p.logprob - ((x[tok.id] as number) - lse)) < 1e-4);
      assert.equal(p.top[0]?.id, ref.argmax[i], `top-1 at ${i} vs torch`);
      assert.equal(p.top.length, 3);
    });

    const expected = ref.attention[1]?.[3] as number[][];
    assert.equal(out.attention?.length, expected.length);
    let worst = 0;
    out.attention?.forEach((rowValues, i) =>
      rowValues.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - (expected[i]?.[j] as number))))),
    );
    assert.ok(worst < 1e-4, `attention differs from torch by ${worst}`);
  });

  test('bad arguments exit 2 with a message; the text form prints a row per token', () => {
    const badHead = glassbox('inspect', '--file', file, '--model', dir, '--attention', '1:9');
    assert.equal(badHead.code, 2);
    assert.match(badHead.stderr, /--attention head must be below 4/);
    const badSpan = glassbox('inspect', '--file', file, '--start', '10', '--end', '3');
    assert.equal(badSpan.code, 2);
    assert.match(badSpan.stderr, /--end must be a whole number from 10/);
    const missing = glassbox('inspect', '--file', join(tmp, 'nope.js'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file/i);
    const text = glassbox(
      'inspect',
      '--file',
      file,
      '--model',
      dir,
      '--ep',
      'cpu',
      '--start',
      String(start),
      '--end',
      String(end),
    );
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.trim().split('\n').length, 2 + ref.ids.length - 1);
  });
});
