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

describe('glassbox inspect --lens --neighbours on Hub layouts', () => {
  const file = join(tmp, 'hub.js');
  writeFileSync(file, 'function add(a, b) {\n  return a + b;\n}\n');
  interface LensOut extends Out {
    lens:
      | ({ top: { id: number; prob: number; text: string }[]; rank: number }[] | null)[]
      | { unavailable: string };
    neighbours: { id: number; text: string; cosine: number }[][] | { unavailable: string };
  }
  const inspect = (dir: string, dtype: string) => {
    const r = glassbox(
      'inspect',
      '--file',
      file,
      '--model',
      dir,
      '--dtype',
      dtype,
      '--ep',
      'cpu',
      '--lens',
      '--neighbours',
      '--attention',
      '0:mean',
      '--json',
      '--top-k',
      '3',
    );
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as LensOut & { attention: number[][] | { unavailable: string } };
  };

  test('lens: one entry per position, embeddings to last layer, the last equal to the position; neighbours start with the token', () => {
    const out = inspect(join(fixturesDir, 'hub', 'llama'), 'q4');
    assert.ok(Array.isArray(out.lens) && Array.isArray(out.neighbours));
    assert.equal(out.lens.length, out.positions.length);
    out.lens.forEach((layers, i) => {
      const p = out.positions[i];
      if (!p || !layers) return assert.equal(layers, p);
      assert.equal(layers.length, out.layers + 1);
      const last = layers.at(-1);
      assert.equal(last?.rank, p.rank);
      assert.deepEqual(
        last?.top.map((t) => t.id),
        p.top.map((t) => t.id),
      );
      last?.top.forEach((t, j) => assert.ok(Math.abs(t.prob - (p.top[j]?.prob as number)) < 1e-4));
      assert.equal(typeof last?.top[0]?.text, 'string');
    });
    assert.equal(out.neighbours.length, out.tokens.length);
    out.neighbours.forEach((list, i) => {
      assert.equal(list[0]?.id, out.tokens[i]?.id);
      assert.ok(Math.abs((list[0]?.cosine as number) - 1) < 1e-5);
    });
  });

  test('info says which file was chosen, why, and where its weights are', () => {
    const chunks = glassbox(
      'info',
      '--model',
      join(fixturesDir, 'hub', 'llama-external-chunks'),
      '--ep',
      'cpu',
    );
    assert.equal(chunks.code, 0, chunks.stderr);
    assert.match(
      chunks.stdout,
      /file +onnx\/model\.onnx: dtype fp32 \(Transformers\.js's default in Node\.js\), weights in model\.onnx_data, model\.onnx_data_1/,
    );
    const q4 = glassbox('info', '--model', join(fixturesDir, 'hub', 'llama'), '--dtype', 'q4', '--json');
    assert.equal(q4.code, 0, q4.stderr);
    const info = (
      JSON.parse(q4.stdout) as { model: { dtype: string; dtypeReason: string; onnxPath: string } }
    ).model;
    assert.equal(info.dtype, 'q4');
    assert.equal(info.dtypeReason, 'the one asked for');
    assert.match(info.onnxPath, /model_q4\.onnx$/);
  });

  test('a view the model cannot give is {"unavailable": reason} and the command still succeeds', () => {
    const out = inspect(join(fixturesDir, 'hub', 'llama-merged'), 'fp32');
    assert.ok(out.positions.length > 0);
    for (const view of [out.lens, out.neighbours, out.attention])
      assert.match((view as { unavailable: string }).unavailable, /If subgraphs \(a merged decoder/);
  });
});
