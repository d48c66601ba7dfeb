// OpenAI request bodies (chat and legacy completions) checked and turned into the engine's model/generate params.
import type { ChatMessageParam, GenerateParams, ModelInfo, SamplingParams } from '../protocol/engine-methods';
import { HttpError } from './http-errors';

type Rec = Record<string, unknown>;

const bad = (param: string, message: string) => new HttpError(400, 'bad-params', message, param);

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field's value, with null read as absent (OpenAI clients send null for "default"). */
function field(r: Rec, key: string): unknown {
  return r[key] === null ? undefined : r[key];
}

function num(r: Rec, key: string, min: number, max: number): number | undefined {
  const v = field(r, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= min && v <= max))
    throw bad(key, `${key} must be a number from ${min} to ${max}`);
  return v;
}

function int(r: Rec, key: string, min: number, max: number): number | undefined {
  const v = num(r, key, min, max);
  if (v !== undefined && !Number.isInteger(v))
    throw bad(key, `${key} must be a whole number from ${min} to ${max}`);
  return v;
}

function bool(r: Rec, key: string): boolean | undefined {
  const v = field(r, key);
  if (v !== undefined && typeof v !== 'boolean') throw bad(key, `${key} must be true or false`);
  return v;
}

/** What every OpenAI request shares: the model, streaming, n, stop, sampling and max tokens. */
export interface OpenAIRequest {
  stream: boolean;
  includeUsage: boolean;
  /** Tokens to generate at most; undefined: until the context is full. */
  maxTokens: number | undefined;
  sampling: SamplingParams;
  stopStrings: string[] | undefined;
}

export interface ChatRequest extends OpenAIRequest {
  messages: ChatMessageParam[];
  /** Alternatives per token when log-probs were asked for (0-20), else undefined. */
  topLogprobs: number | undefined;
}

export interface CompletionRequest extends OpenAIRequest {
  /** Default 16, as the legacy API has it; 0 scores the prompt without generating. */
  maxTokens: number;
  prompt: string;
  echo: boolean;
  /** Legacy `logprobs` (0-5 alternatives), else undefined. */
  logprobs: number | undefined;
}

function body(v: unknown): Rec {
  if (!isRecord(v)) throw bad('body', 'the request body must be a JSON object');
  return v;
}

function checkModel(r: Rec, model: ModelInfo): void {
  const m = field(r, 'model');
  if (m !== undefined && m !== model.name) {
    throw new HttpError(
      404,
      'not-found',
      `The model \`${String(m)}\` does not exist (this server has ${model.name})`,
      'model',
    );
  }
}

function stop(r: Rec): string[] | undefined {
  const v = field(r, 'stop');
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : v;
  if (
    !Array.isArray(list) ||
    list.length > 16 ||
    !list.every((s) => typeof s === 'string' && s !== '' && s.length <= 1000)
  ) {
    throw bad('stop', 'stop must be a non-empty string or a list of at most 16 of them');
  }
  return list.length === 0 ? undefined : (list as string[]);
}

/**
 * Sampling as vLLM does it: the model's generation_config.json defaults, overridden by what the request sets
 * (temperature 0: greedy). `top_k` and `repetition_penalty` are vLLM's extensions.
 */
function sampling(r: Rec, model: ModelInfo): SamplingParams {
  const { maxNewTokens: _max, ...defaults } = model.generation;
  const o: SamplingParams = { ...defaults };
  const temperature = num(r, 'temperature', 0, 2);
  const topP = num(r, 'top_p', 0, 1);
  const topK = int(r, 'top_k', -1, 2 ** 31 - 1);
  const seed = int(r, 'seed', -(2 ** 63), 2 ** 64);
  const repetition = num(r, 'repetition_penalty', 0, 100);
  if (topP === 0) throw bad('top_p', 'top_p must be above 0');
  if (repetition === 0) throw bad('repetition_penalty', 'repetition_penalty must be above 0');
  for (const penalty of ['presence_penalty', 'frequency_penalty']) {
    const v = num(r, penalty, -2, 2);
    if (v !== undefined && v !== 0)
      throw bad(penalty, `${penalty} is not supported (use repetition_penalty)`);
  }
  if (temperature !== undefined || topP !== undefined || topK !== undefined) o.greedy = false;
  if (temperature !== undefined) o.temperature = temperature;
  if (topP !== undefined) o.topP = topP;
  if (topK !== undefined) o.topK = topK < 0 ? 0 : topK;
  if (repetition !== undefined) o.repetitionPenalty = repetition;
  // the engine takes a 32-bit seed; larger (or negative) ones are folded into that range
  if (seed !== undefined) o.seed = Number(BigInt.asUintN(32, BigInt(seed)));
  return o;
}

function common(r: Rec, model: ModelInfo, maxTokensMin: number): OpenAIRequest {
  checkModel(r, model);
  const n = int(r, 'n', 1, 128);
  if (n !== undefined && n !== 1) throw bad('n', 'n must be 1 (this server generates one choice)');
  const streamOptions = field(r, 'stream_options');
  if (streamOptions !== undefined && !isRecord(streamOptions))
    throw bad('stream_options', 'stream_options must be an object');
  const stream = bool(r, 'stream') ?? false;
  const includeUsage = streamOptions ? (bool(streamOptions, 'include_usage') ?? false) : false;
  const maxTokens =
    int(r, 'max_completion_tokens', maxTokensMin, 1_000_000) ?? int(r, 'max_tokens', maxTokensMin, 1_000_000);
  return { stream, includeUsage, maxTokens, sampling: sampling(r, model), stopStrings: stop(r) };
}

/** Message content: a string, or a list of text parts (other parts are refused). */
function content(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    return v
      .map((part, i) => {
        if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
        throw bad(`${name}[${i}]`, `${name}[${i}] must be a text part (this model reads text only)`);
      })
      .join('');
  }
  throw bad(name, `${name} must be a string or a list of text parts`);
}

export function chatRequest(v: unknown, model: ModelInfo): ChatRequest {
  const r = body(v);
  const raw = r.messages;
  if (!Array.isArray(raw) || raw.length === 0) throw bad('messages', 'messages must be a non-empty list');
  const messages = raw.map((m, i): ChatMessageParam => {
    if (!isRecord(m) || typeof m.role !== 'string' || m.role === '' || m.role.length > 64) {
      throw bad(`messages[${i}]`, `messages[${i}] must be an object with a role`);
    }
    return { role: m.role, content: content(m.content, `messages[${i}].content`) };
  });
  const logprobs = bool(r, 'logprobs') ?? false;
  const top = int(r, 'top_logprobs', 0, 20);
  if (top !== undefined && !logprobs) throw bad('top_logprobs', 'top_logprobs needs logprobs: true');
  return { ...common(r, model, 1), messages, topLogprobs: logprobs ? (top ?? 0) : undefined };
}

export function completionRequest(v: unknown, model: ModelInfo): CompletionRequest {
  const r = body(v);
  const raw = r.prompt;
  const prompt = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof prompt !== 'string') throw bad('prompt', 'prompt must be a string (or a list of one string)');
  if (field(r, 'suffix') !== undefined) throw bad('suffix', 'suffix is not supported');
  const base = common(r, model, 0);
  return {
    ...base,
    // the legacy API's default
    maxTokens: base.maxTokens ?? 16,
    prompt,
    echo: bool(r, 'echo') ?? false,
    logprobs: int(r, 'logprobs', 0, 5),
  };
}

/** model/generate's params for a request whose prompt holds `promptTokens` (max tokens: what the context leaves). */
export function generateParams(
  request: OpenAIRequest,
  prompt: { prompt: string } | { messages: ChatMessageParam[] },
  room: number,
  logprobs: number | undefined,
): GenerateParams {
  return {
    ...prompt,
    ...request.sampling,
    maxNewTokens: Math.min(request.maxTokens ?? room, room),
    ...(request.stopStrings ? { stopStrings: request.stopStrings } : {}),
    ...(logprobs === undefined ? {} : { logprobs }),
  };
}
