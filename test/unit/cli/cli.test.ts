// The built CLI end to end (node dist/cli.js): generate/score/info JSON against plain onnxruntime-node; errors and exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  bundledModel,
  dims,
  emptyPast,
  fixturesDir,
  greedyWithCache,
  openSession,
  readJson,
  row,
  step,
} from '../../support/model-folder';
import { glassbox as runCli } from '../../support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const glassbox = (...args: string[]) => runCli(args);

function referenceTokenizer(dir: string): Tokenizer {
  return new Tokenizer(readJson(join(dir, 'tokenizer.json')), readJson(join(dir, 'tokenizer_config.json')));
}

describe('glassbox CLI', () => {
  for (const [name, dir] of [
    ['glassbox-tiny (default --model)', undefined],
    ['gpt2 fixture', join(fixturesDir, 'gpt2')],
  ] as const) {
    test(`generate --greedy --json on ${name} equals a plain onnxruntime-node loop`, async () => {
      const modelDir = dir ?? bundledModel;
      const prompt = 'function add(a, b) {\n';
      const r = glassbox(
        'generate',
        '--prompt',
        prompt,
        '--greedy',
        '--max-new-tokens',
        '24',
        '--ep',
        'cpu',
        '--threads',
        '1',
        '--json',
        ...(dir ? ['--model', dir] : []),
      );
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        text: string;
        tokens: number[];
        promptTokens: number[];
        executionProvider: string;
        timings: { prefillMs: number; firstTokenMs: number; decodeTokensPerSecond: number };
      };
      const tok = referenceTokenizer(modelDir);
      assert.deepEqual(out.promptTokens, tok.encode(prompt).ids);
      const session = await openSession(modelDir);
      const eos = readJson<{ eos_token_id: number[] }>(join(modelDir, 'config.json')).eos_token_id;
      const expected = await greedyWithCache(session, dims(modelDir), out.promptTokens, 24, eos);
      await session.release();
      assert.deepEqual(out.tokens, expected);
      assert.equal(out.text, tok.decode(expected, { skip_special_tokens: true }));
      assert.equal(out.executionProvider, 'cpu');
      assert.ok(
        out.timings.prefillMs > 0 && out.timings.firstTokenMs > 0 && out.timings.decodeTokensPerSecond > 0,
      );
    });
  }

  test('generate --chat uses the chat template; seeded sampling repeats', () => {
    const args = [
      'generate',
      '--prompt',
      'hi',
      '--chat',
      '--seed',
      '5',
      '--temperature',
      '0.8',
      '--max-new-tokens',
      '8',
      '--threads',
      '1',
      '--ep',
      'cpu',
      '--json',
    ];
    const a = JSON.parse(glassbox(...args).stdout) as { tokens: number[]; promptTokens: number[] };
    const b = JSON.parse(glassbox(...args).stdout) as { tokens: number[] };
    // the ChatML turn opens the prompt: <|bos|><|im_start|>user\nhi<|im_end|>
    const opening = referenceTokenizer(bundledModel).encode('<|im_start|>user\nhi<|im_end|>').ids;
    assert.deepEqual(a.promptTokens.slice(0, opening.length), opening);
    assert.deepEqual(a.tokens, b.tokens);
  });

  test('score --json gives bits per byte equal to a plain onnxruntime-node pass', async () => {
    const file = join(tmp, 'sample.js');
    const text = 'export const sum = (xs) => xs.reduce((a, b) => a + b, 0);\n';
    writeFileSync(file, text);
    const r = glassbox('score', '--file', file, '--json', '--ep', 'cpu', '--threads', '1');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { bytes: number; tokens: number; bitsPerByte: number };
    const ids = referenceTokenizer(bundledModel).encode(text).ids;
    const d = dims(bundledModel);
    const session = await openSession(bundledModel);
    const { logits } = await step(session, d, ids, emptyPast(d));
    await session.release();
    let bits = 0;
    for (let t = 1; t < ids.length; t++) {
      const r2 = row(logits, t - 1, d.vocab);
      const m = Math.max(...r2);
      const lse = m + Math.log(r2.reduce((s, v) => s + Math.exp(v - m), 0));
      bits += (lse - (r2[ids[t] as number] as number)) / Math.LN2;
    }
    assert.equal(out.bytes, Buffer.byteLength(text));
    assert.equal(out.tokens, ids.length);
    assert.ok(Math.abs(out.bitsPerByte - bits / out.bytes) < 1e-4);
  });

  test('info --json names the model, context and providers', () => {
    const r = glassbox('info', '--json', '--ep', 'cpu');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      model: { name: string; layers: number };
      contextLength: number;
      executionProviders: { chosen: string; available: { name: string }[] };
    };
    assert.equal(out.model.name, 'glassbox-tiny');
    assert.equal(out.contextLength, 512);
    assert.equal(out.executionProviders.chosen, 'cpu');
    assert.deepEqual(
      out.executionProviders.available.map((p) => p.name),
      ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'],
    );
  });

  test('errors go to stderr with a non-zero exit', () => {
    const missing = glassbox('generate', '--prompt', 'x', '--model', join(tmp, 'nowhere'));
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /does not exist \[missing-file\]/);
    const usage = glassbox('generate', '--greedy');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--prompt or --prompt-file is required/);
    const conflict = glassbox('generate', '--prompt', 'x', '--greedy', '--seed', '1');
    assert.equal(conflict.code, 2);
    assert.match(conflict.stderr, /--greedy cannot be combined/);
    const unknown = glassbox('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    // bench is a dev script (npm run bench), not a command of the shipped CLI
    assert.equal(glassbox('bench').code, 2);
  });

  test('what the CLI passes on is checked by the engine, as for the extension: one coded line', () => {
    const r = glassbox('generate', '--prompt', 'x', '--repetition-penalty', '0', '--ep', 'cpu');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'glassbox generate: repetitionPenalty must be a number above 0 up to 100 [bad-params]\n',
    );
  });
});
