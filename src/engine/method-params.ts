// The engine's parameter checkers, one per method: the params rebuilt from checked fields, or a bad-params error.
import { availableParallelism } from 'node:os';
import {
  BadParams,
  ENGINE_HANDLE,
  flag,
  list,
  matches,
  number,
  oneOf,
  optional,
  record,
  text,
  whole,
  type Rec,
} from '../protocol/checks';
import {
  EXECUTION_PROVIDER_CHOICES,
  type ChatMessageParam,
  type EngineParams,
  type GenerateParams,
  type InspectParams,
  type LoadParams,
  type PromptParams,
  type SamplingParams,
  type ScoreParams,
  type TokenizeParams,
} from '../protocol/engine-methods';

/** Token ids: whole and int32; whether the model has such an id is the handler's check (out-of-range). */
const MAX_ID = 2 ** 31 - 1;
const MAX_TOKENS = 1_000_000;
/** Alternatives per generated token that model/generate reports at most (OpenAI's top_logprobs limit). */
const MAX_LOGPROBS = 20;

/** CPU threads: one per core at most (more only slows ONNX Runtime down; 10,000 once froze the engine). */
function maxThreads(): number {
  return Math.max(1, availableParallelism());
}

const handle = (v: unknown) => matches(v, 'handle', ENGINE_HANDLE, 'a handle the engine gave out');
const topK = (max: number) => (v: unknown, name: string) => whole(v, name, 0, max);

function message(v: unknown, name: string): ChatMessageParam {
  const r = record(v, name);
  return { role: text(r.role, `${name}.role`, 64), content: text(r.content, `${name}.content`) };
}

/** A prompt string, or chat messages (not both). */
function prompt(r: Rec): PromptParams {
  if (r.messages !== undefined) {
    if (r.prompt !== undefined) throw new BadParams('takes a prompt or messages, not both');
    return { messages: list(r.messages, 'messages', 10_000, message) };
  }
  if (r.prompt === undefined) throw new BadParams('needs a prompt string or messages');
  return { prompt: text(r.prompt, 'prompt') };
}

function sampling(r: Rec): SamplingParams {
  return {
    ...optional(r, 'greedy', flag),
    ...optional(r, 'temperature', (v, n) => number(v, n, 0, 100)),
    ...optional(r, 'topK', topK(MAX_ID)),
    ...optional(r, 'topP', (v, n) => number(v, n, 0, 1, true)),
    ...optional(r, 'repetitionPenalty', (v, n) => number(v, n, 0, 100, true)),
    ...optional(r, 'seed', (v, n) => whole(v, n, 0, 2 ** 32 - 1)),
  };
}

const stopString = (v: unknown, name: string) => {
  const s = text(v, name, 1000);
  if (s === '') throw new BadParams(`${name} must not be empty`);
  return s;
};

/** Methods that take no params ignore whatever comes. */
export const none = (): undefined => undefined;

export function load(p: unknown): LoadParams {
  const r = record(p, 'model/load params');
  return {
    dir: text(r.dir, 'dir', 4096),
    ...optional(r, 'dtype', (v, n) =>
      matches(v, n, /^[A-Za-z0-9_-]{1,32}$/, 'an ONNX variant name (fp16, q4, ...)'),
    ),
    ...optional(r, 'ep', (v, n) => oneOf(v, n, EXECUTION_PROVIDER_CHOICES)),
    ...optional(r, 'threads', (v, n) => whole(v, n, 1, maxThreads())),
    ...optional(r, 'cpuFastMath', flag),
  };
}

export function generate(p: unknown): GenerateParams {
  const r = record(p, 'model/generate params');
  return {
    ...prompt(r),
    ...sampling(r),
    ...optional(r, 'maxNewTokens', (v, n) => whole(v, n, 1, MAX_TOKENS)),
    ...optional(r, 'stopStrings', (v, n) => list(v, n, 16, stopString)),
    ...optional(r, 'logprobs', (v, n) => whole(v, n, 0, MAX_LOGPROBS)),
  };
}

export function score(p: unknown): ScoreParams {
  const r = record(p, 'model/score params');
  return {
    text: text(r.text, 'text'),
    ...optional(r, 'window', (v, n) => whole(v, n, 2, MAX_TOKENS)),
    ...optional(r, 'stride', (v, n) => whole(v, n, 1, MAX_TOKENS)),
  };
}

export const promptOnly = (p: unknown): PromptParams => prompt(record(p, 'params'));

export function tokenize(p: unknown): TokenizeParams {
  const r = record(p, 'model/tokenize params');
  const pieces = optional(r, 'pieces', flag);
  if (r.messages !== undefined) {
    if (r.text !== undefined) throw new BadParams('takes a text or messages, not both');
    if (r.addSpecialTokens !== undefined)
      throw new BadParams('addSpecialTokens applies to a text (the chat template places special tokens)');
    return { messages: list(r.messages, 'messages', 10_000, message), ...pieces };
  }
  return { text: text(r.text, 'text'), ...optional(r, 'addSpecialTokens', flag), ...pieces };
}

export function detokenize(p: unknown): EngineParams<'model/detokenize'> {
  const r = record(p, 'model/detokenize params');
  return {
    ids: list(r.ids, 'ids', MAX_TOKENS, (v, n) => whole(v, n, 0, MAX_ID)),
    ...optional(r, 'skipSpecialTokens', flag),
  };
}

export const handleOnly = (p: unknown): { handle: string } => ({
  handle: handle(record(p, 'params').handle),
});

export function inspect(p: unknown): InspectParams {
  const r = record(p, 'inspect/run params');
  return { text: text(r.text, 'text'), ...optional(r, 'topK', (v, n) => whole(v, n, 1, 1000)) };
}

export function attention(p: unknown): EngineParams<'inspect/attention'> {
  const r = record(p, 'inspect/attention params');
  return {
    handle: handle(r.handle),
    layer: whole(r.layer, 'layer', 0, 10_000),
    head: r.head === 'mean' ? 'mean' : whole(r.head, 'head', 0, 10_000),
  };
}

export function thumbnails(p: unknown): EngineParams<'inspect/thumbnails'> {
  const r = record(p, 'inspect/thumbnails params');
  return { handle: handle(r.handle), size: whole(r.size, 'size', 1, 256) };
}

export function lens(p: unknown): EngineParams<'inspect/lens'> {
  const r = record(p, 'inspect/lens params');
  return {
    handle: handle(r.handle),
    position: whole(r.position, 'position', 0, MAX_TOKENS),
    ...optional(r, 'topK', (v, n) => whole(v, n, 1, 1000)),
  };
}

export function neighbours(p: unknown): EngineParams<'inspect/neighbours'> {
  const r = record(p, 'inspect/neighbours params');
  return { id: whole(r.id, 'id', 0, MAX_ID), ...optional(r, 'topK', (v, n) => whole(v, n, 1, 1000)) };
}

export function stepStart(p: unknown): EngineParams<'step/start'> {
  const r = record(p, 'step/start params');
  return { ...prompt(r), ...optional(r, 'topK', (v, n) => whole(v, n, 0, 1000)) };
}

export function stepAppend(p: unknown): EngineParams<'step/append'> {
  const r = record(p, 'step/append params');
  return {
    handle: handle(r.handle),
    id: whole(r.id, 'id', 0, MAX_ID),
    ...optional(r, 'topK', (v, n) => whole(v, n, 0, 1000)),
  };
}

export function stepSample(p: unknown): EngineParams<'step/sample'> {
  const r = record(p, 'step/sample params');
  return {
    handle: handle(r.handle),
    temperature: number(r.temperature, 'temperature', 0, 100),
    seed: whole(r.seed, 'seed', 0, 2 ** 32 - 1),
    ...optional(r, 'topK', topK(1000)),
    ...optional(r, 'topP', (v, n) => number(v, n, 0, 1, true)),
    ...optional(r, 'show', (v, n) => whole(v, n, 0, 1000)),
  };
}
