// The Inspector in Chromium on inspections from OpenAI-compatible servers (vLLM, llama.cpp, the legacy echo shape),
// built by src/client/openai-inspect.ts from the recorded server answers in test/fixtures/remote/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  fromEchoLogprobs,
  fromPromptLogprobs,
  inspectResult,
  type ServerToken,
} from '../../src/client/openai-inspect';
import { serverViews } from '../../src/client/remote-views';
import type { InspectResult, ServerKind } from '../../src/protocol/engine-methods';
import type { InspectorState } from '../../src/protocol/panel-methods';
import { openInspector, showView, stripReady, type ViewName } from './support/inspector';
import { repoRoot } from './support/server';
import { typedReplacer } from './support/typed-json';
import { waitUntil, testBed, type PanelPage } from './support/panel';

const bed = testBed();

type Json = Record<string, unknown>;
const remote = (file: string): Json =>
  JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'remote', file), 'utf8')) as Json;
const firstChoice = (answer: Json): Json => (answer.choices as Json[])[0] as Json;

const TIMINGS = { tokenizeMs: 3, forwardMs: 41, statsMs: 0 };

/**
 * What the host posts for a result: typed arrays as the fixtures' markers, and numbers as JSON carries them (VS Code
 * serializes a webview message with JSON.stringify, so the NaN of an unknown rank or entropy arrives as null).
 */
function state(result: InspectResult, text: string, model: string): InspectorState {
  const s: InspectorState = {
    state: 'ready',
    source: {
      file: 'notes/hello.txt',
      language: 'plaintext',
      start: 0,
      end: text.length,
      startLine: 1,
      endLine: 1,
      pinned: false,
    },
    result,
    model,
    elapsedMs: 57,
    highlights: false,
  };
  return JSON.parse(JSON.stringify(s, typedReplacer)) as InspectorState;
}

const result = (kind: ServerKind, text: string, tokens: ServerToken[]) =>
  inspectResult(`remote-${kind}`, text, tokens, serverViews(kind), TIMINGS);

/** vLLM: /tokenize ids, /detokenize of the BOS, and /v1/completions with prompt_logprobs (topK 2) for "Hello world". */
function vllm(): { text: string; r: InspectResult } {
  const text = 'Hello world';
  const ids = (remote('vllm/tokenize-hello-world.json').tokens as number[]).slice();
  const bos = remote('vllm/detokenize-bos.json').prompt as string;
  const prompt = firstChoice(remote('vllm/completions-prompt-logprobs.json')).prompt_logprobs;
  return { text, r: result('vllm', text, fromPromptLogprobs(ids, prompt, bos, 2)) };
}

/** llama.cpp: /tokenize with pieces for "a 🙂" (the emoji in two byte pieces); no log-probs for a given text. */
function llamaCpp(): { text: string; r: InspectResult } {
  const text = 'a 🙂';
  const pieces = remote('llama.cpp/tokenize-pieces.json').tokens as {
    id: number;
    piece: string | number[];
  }[];
  const tokens = pieces.map((p) => ({ id: p.id, piece: p.piece, position: null }));
  return { text, r: result('llama.cpp', text, tokens) };
}

/**
 * The legacy echo shape (no token ids) for "Hello world!": the recorded answer for "Hello world" and one more token,
 * "!", whose own log-prob is not among the two top guesses listed for it (so its rank is not known).
 */
function echo(): { text: string; r: InspectResult } {
  const text = 'Hello world!';
  const lp = firstChoice(remote('openai/echo-completions.json')).logprobs as {
    tokens: string[];
    token_logprobs: (number | null)[];
    top_logprobs: (Record<string, number> | null)[];
  };
  const logprobs = {
    tokens: [...lp.tokens, '!'],
    token_logprobs: [...lp.token_logprobs, -3.25],
    top_logprobs: [...lp.top_logprobs, { '.': -0.5, '\n': -1.25 }],
  };
  return { text, r: result('openai', text, fromEchoLogprobs(logprobs, 3)) };
}

/** Hovers token `i` and returns the token details' text once they are about it. */
async function hoverDetails(panel: PanelPage, i: number, n: number): Promise<string> {
  await panel.page.locator(`gb-token-strip .tok[data-i="${i}"]`).hover();
  const head = `Hovered token ${i + 1} of ${n}`;
  await waitUntil(async () => (await panel.text('gb-token-details')).includes(head), head);
  return panel.text('gb-token-details');
}

/** Text and attribute values of the whole Inspector tab, for words that must never show. */
function inspectorText(panel: PanelPage): Promise<string> {
  return panel.page.evaluate(() => {
    const root = document.querySelector('gb-inspector');
    if (!root) return '';
    const attributes = [...root.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].map((a) => a.value),
    );
    return [root.textContent ?? '', ...attributes].join('\n');
  });
}

async function assertNoNonsense(panel: PanelPage, where: string): Promise<void> {
  const text = await inspectorText(panel);
  for (const word of [/\bNaN\b/, /\bundefined\b/, /\bnull\b/, /\bInfinity\b/])
    assert.doesNotMatch(text, word, `${where}: ${String(word)}`);
}

/** The server's views that it cannot give show the unavailable note with its reason; nothing is fetched. */
async function assertUnavailableViews(panel: PanelPage, kind: ServerKind, n: number): Promise<void> {
  const views = serverViews(kind);
  const cases: [ViewName, string, string, 'attention' | 'lens' | 'embeddings'][] = [
    ['attention', 'gb-attention-view', 'Attention', 'attention'],
    ['lens', 'gb-lens-view', 'The logit lens', 'lens'],
    ['embeddings', 'gb-neighbours-view', 'The embedding table', 'embeddings'],
  ];
  for (const [view, element, name, key] of cases) {
    const availability = views[key];
    assert.ok(!availability.available, `${kind} has no ${key}`);
    await showView(panel, view);
    await stripReady(panel, n);
    const note = await panel.text(`${element} .unavailable p`);
    assert.equal(note, `${name} is not available for this model: ${availability.reason}`, view);
    await assertNoNonsense(panel, view);
  }
  for (const method of ['inspect/thumbnails', 'inspect/attention', 'inspect/lens', 'inspect/neighbours'])
    assert.equal((await panel.requests(method)).length, 0, `no ${method} request`);
}

test('remote vLLM: known ranks from prompt_logprobs, entropy unknown; attention, lens and embeddings say why not', async () => {
  const { text, r } = vllm();
  const n = r.tokens.length;
  assert.equal(n, 2);
  const panel = await openInspector(bed(), state(r, text, 'meta-llama/Llama-2-7b-chat-hf'));

  await showView(panel, 'tokens');
  await stripReady(panel, n);
  assert.deepEqual(await panel.page.locator('gb-token-strip .tok').allTextContents(), ['Hello', '·world']);
  await hoverDetails(panel, 1, n);
  assert.equal(await panel.text('gb-token-details .token-id'), '3186');

  await showView(panel, 'prediction');
  await stripReady(panel, n);
  const details = await hoverDetails(panel, 0, n);
  assert.doesNotMatch(details, /no prediction/);
  assert.equal(await panel.text('gb-token-details .rank'), '42');
  assert.equal(
    await panel.text('gb-token-details .entropy'),
    'unknown (the server gives only its top guesses)',
  );
  assert.deepEqual(await panel.page.locator('gb-token-details .alt-text').allTextContents(), ['The', 'I']);
  await hoverDetails(panel, 1, n);
  assert.equal(await panel.text('gb-token-details .rank'), '1');
  assert.equal(
    await panel.text('gb-token-details .entropy'),
    'unknown (the server gives only its top guesses)',
  );
  assert.equal(await panel.page.locator('gb-token-strip .tok.b-top1').count(), 1);
  assert.equal(await panel.page.locator('gb-token-strip .tok.b-top100').count(), 1);
  await assertNoNonsense(panel, 'prediction');

  await assertUnavailableViews(panel, 'vllm', n);
  await panel.assertClean();
  await panel.close();
});

test('remote llama.cpp: every token shows "no prediction" with the server\'s reason, none "first token"', async () => {
  const { text, r } = llamaCpp();
  const n = r.tokens.length;
  assert.equal(n, 4, 'the BOS is left out, the emoji is two tokens');
  const predictions = serverViews('llama.cpp').prediction;
  assert.ok(!predictions.available);
  assert.deepEqual(r.predictions, predictions);
  const panel = await openInspector(bed(), state(r, text, 'qwen2.5-0.5b-instruct-q8_0.gguf'));

  await showView(panel, 'prediction');
  await stripReady(panel, n);
  assert.equal(await panel.page.locator('gb-token-strip .tok.b-none').count(), n);
  assert.match(await panel.text('.rank-legend .legend-none'), new RegExp(`no prediction \\(${n}\\)`));
  for (let i = 0; i < n; i++) {
    const details = await hoverDetails(panel, i, n);
    assert.equal(
      await panel.text('gb-token-details .no-prediction'),
      `no prediction: ${predictions.reason}`,
      `token ${i}`,
    );
    assert.doesNotMatch(details, /first token/, `token ${i}`);
    assert.equal(await panel.page.locator('gb-token-details .rank, gb-token-details .entropy').count(), 0);
  }
  // the emoji's two byte pieces keep their ids
  await hoverDetails(panel, 3, n);
  assert.equal(await panel.text('gb-token-details .token-id'), '156');
  assert.equal(await panel.text('gb-token-details .token-bytes'), '99 82');
  await assertNoNonsense(panel, 'prediction');

  await assertUnavailableViews(panel, 'llama.cpp', n);
  await panel.assertClean();
  await panel.close();
});

test('remote echo shape: ids unknown, a rank beyond the listed top guesses and the entropy say so, never NaN', async () => {
  const { text, r } = echo();
  const n = r.tokens.length;
  assert.equal(n, 3);
  assert.ok(
    r.tokens.every((t) => t.id < 0),
    'the echo shape gives no ids',
  );
  assert.ok(Number.isNaN(r.positions[2]?.rank), 'the last token is not among its top guesses');
  const panel = await openInspector(bed(), state(r, text, 'gpt2-legacy'));

  await showView(panel, 'tokens');
  await stripReady(panel, n);
  for (let i = 0; i < n; i++) {
    await hoverDetails(panel, i, n);
    assert.equal(await panel.text('gb-token-details .token-id'), 'unknown (the server does not say)');
  }
  await assertNoNonsense(panel, 'tokens');

  await showView(panel, 'prediction');
  await stripReady(panel, n);
  // the first token: nothing precedes it (no BOS in this shape)
  assert.match(await hoverDetails(panel, 0, n), /no prediction \(first token\)/);
  // " world": listed among the guesses, second after ","
  await hoverDetails(panel, 1, n);
  assert.equal(await panel.text('gb-token-details .rank'), '2');
  assert.equal(await panel.text('gb-token-details .token-id'), 'unknown (the server does not say)');
  // "!": not among the two guesses listed
  await hoverDetails(panel, 2, n);
  assert.equal(await panel.text('gb-token-details .rank'), 'beyond the top 2');
  assert.equal(
    await panel.text('gb-token-details .entropy'),
    'unknown (the server gives only its top guesses)',
  );
  assert.match(await panel.text('gb-token-details .surprisal'), /^4\.69 bits$/);
  assert.deepEqual(await panel.page.locator('gb-token-details .alt-text').allTextContents(), ['.', '⏎']);
  await assertNoNonsense(panel, 'prediction');

  await assertUnavailableViews(panel, 'openai', n);
  await panel.assertClean();
  await panel.close();
});

test('remote echo shape: a rank not known (beyond the top guesses) is not coloured or counted as top-1', async () => {
  const { text, r } = echo();
  const n = r.tokens.length;
  const panel = await openInspector(bed(), state(r, text, 'gpt2-legacy'));
  try {
    await showView(panel, 'prediction');
    await stripReady(panel, n);
    await hoverDetails(panel, 2, n);
    assert.equal(await panel.text('gb-token-details .rank'), 'beyond the top 2');
    const rankClass = (await panel.page.locator('gb-token-details dd.rank').getAttribute('class')) ?? '';
    const stripClass =
      (await panel.page.locator('gb-token-strip .tok[data-i="2"]').getAttribute('class')) ?? '';
    // a rank that is not a number falls in the last bucket (src/protocol/rank-buckets.ts)
    assert.match(stripClass, /\bb-beyond\b/, 'the strip colours it as beyond the top guesses');
    assert.match(rankClass, /\brank-beyond\b/, 'the details colour its rank the same');
    assert.equal(
      await panel.text('.rank-legend'),
      'top-1 (0) top-10 (1) top-100 (0) beyond (1) no prediction (1)',
      'the legend counts it beyond',
    );
  } finally {
    await panel.close();
  }
});
