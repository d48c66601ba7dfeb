// The EngineBackend of an OpenAI-compatible server (vLLM, llama.cpp, Ollama, LM Studio, others) for one model id.
import type {
  ChatMessageParam,
  EngineChunk,
  EngineParams,
  EngineResult,
  GenerateChunk,
  GenerateParams,
  InspectParams,
  InspectResult,
  ModelInfo,
  PromptParams,
  ServerKind,
  StopReason,
  StreamingMethod,
  TokenizeParams,
} from '../protocol/engine-methods';
import type { EngineBackend, QuickMethod } from './engine-backend';
import { EngineCallError } from './engine-client';
import type { HttpJson } from './http-json';
import { fromEchoLogprobs, fromPromptLogprobs, inspectResult, type ServerToken } from './openai-inspect';
import { SERVER_LABELS, SERVER_NAMES, serverViews } from './remote-views';
import { array, field, integer, object, optionalCount, string, type Json } from './response-fields';
import { displayText, pieceBytes } from './token-offsets';

export type OpenAIServerKind = Exclude<ServerKind, 'glassbox'>;

export interface OpenAIBackendOptions {
  http: HttpJson;
  kind: OpenAIServerKind;
  /** The model id requests name. */
  model: string;
  /** Every model the server lists. */
  models: string[];
  /** The context length the server reported (0: unknown). */
  contextLength: number;
}

/** A quick no-op answer for methods that free server-side state a stateless server never held. */
const NO_OP: ReadonlySet<string> = new Set(['inspect/release', 'step/release']);

function now(): number {
  return performance.now();
}

export class OpenAIBackend implements EngineBackend {
  private readonly closing = new AbortController();
  private readonly views;
  private inspections = 0;

  constructor(private readonly o: OpenAIBackendOptions) {
    this.views = serverViews(o.kind);
  }

  private get name(): string {
    return SERVER_NAMES[this.o.kind];
  }

  /** A ModelInfo from what the server says: its id, context length and views; no dimensions (they are not shown). */
  info(): ModelInfo {
    const { kind, model, models, contextLength, http } = this.o;
    return {
      name: model,
      dir: http.root,
      dtype: '',
      dtypeReason: `chosen by ${this.name}`,
      onnxPath: '',
      externalData: [],
      modelType: '',
      layers: 0,
      heads: 0,
      kvHeads: 0,
      headDim: 0,
      hidden: 0,
      vocab: 0,
      contextLength,
      bosId: null,
      eosIds: [],
      hasChatTemplate: true,
      generation: {},
      executionProvider: { requested: 'auto', used: 'cpu', fallbacks: [], available: [] },
      loadMs: 0,
      remote: { kind, baseUrl: http.root, models, views: this.views },
    };
  }

  async request<M extends QuickMethod>(
    method: M,
    params: EngineParams<M>,
    options: { signal?: AbortSignal } = {},
  ): Promise<EngineResult<M>> {
    this.alive();
    const signal = this.signal(options.signal);
    if (NO_OP.has(method)) return undefined as EngineResult<M>;
    switch (method) {
      case 'engine/ping':
        await this.o.http.getJson('/v1/models', { signal });
        return { pong: true } as EngineResult<M>;
      case 'model/info':
        return this.info() as EngineResult<M>;
      case 'model/load':
        throw new EngineCallError(
          'unsupported',
          `${this.name} loads its own models: choose one of them with the glassbox.remote.model setting`,
        );
      case 'model/countTokens':
        return (await this.countTokens(params as PromptParams, signal)) as EngineResult<M>;
      case 'model/tokenize':
        return (await this.tokenize(params as TokenizeParams, signal)) as EngineResult<M>;
      case 'model/detokenize':
        return (await this.detokenize((params as { ids: number[] }).ids, signal)) as EngineResult<M>;
      case 'inspect/run':
        return (await this.inspect(params as InspectParams, signal)) as EngineResult<M>;
      default:
        throw this.unsupported(method);
    }
  }

  async stream<M extends StreamingMethod>(
    method: M,
    params: EngineParams<M>,
    onChunk: (chunk: EngineChunk<M>) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    this.alive();
    if (method !== 'model/generate') throw this.unsupported(method);
    await this.generate(
      params as GenerateParams,
      onChunk as (c: GenerateChunk) => void,
      this.signal(options.signal),
    );
  }

  dispose(): void {
    this.closing.abort();
  }

  private alive(): void {
    if (this.closing.signal.aborted)
      throw new EngineCallError('engine-disposed', 'the remote backend was disposed');
  }

  private signal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }

  private unsupported(method: string): EngineCallError {
    const view = method.startsWith('step/')
      ? this.views.step
      : method === 'inspect/lens'
        ? this.views.lens
        : method === 'inspect/neighbours'
          ? this.views.embeddings
          : method.startsWith('inspect/')
            ? this.views.attention
            : undefined;
    if (view && !view.available) return new EngineCallError('unsupported', view.reason);
    if (method === 'model/score')
      return new EngineCallError(
        'unsupported',
        `${this.name} cannot score a text here (Glassbox asks only vLLM for prompt log-probabilities)`,
      );
    return new EngineCallError('unsupported', `${this.name} cannot answer ${method}`);
  }

  // ---- tokens ----

  private noTokenizer(what: string): EngineCallError {
    return new EngineCallError(
      'unsupported',
      `${this.name}'s API has no tokenizer endpoint, so ${what} cannot be known`,
    );
  }

  /** The prompt as llama.cpp's server renders it (its /apply-template: the model's chat template). */
  private async llamaPrompt(messages: ChatMessageParam[], signal: AbortSignal): Promise<string> {
    const answer = object(
      await this.o.http.postJson('/apply-template', { messages }, { signal }),
      '/apply-template',
    );
    return string(field(answer, 'prompt', '/apply-template'), '/apply-template prompt');
  }

  /** llama.cpp's /tokenize: ids, and with `pieces` each token's text or (part of a character) bytes. */
  private async llamaTokens(
    content: string,
    addSpecial: boolean,
    pieces: boolean,
    signal: AbortSignal,
  ): Promise<{ id: number; piece: string | number[] }[]> {
    const answer = object(
      await this.o.http.postJson(
        '/tokenize',
        { content, add_special: addSpecial, with_pieces: pieces },
        { signal },
      ),
      '/tokenize',
    );
    return array(field(answer, 'tokens', '/tokenize'), '/tokenize tokens').map((t, i) => {
      if (typeof t === 'number') return { id: integer(t, `/tokenize tokens[${i}]`), piece: '' };
      const o = object(t, `/tokenize tokens[${i}]`);
      const piece = o.piece;
      return {
        id: integer(o.id, `/tokenize tokens[${i}].id`),
        piece: typeof piece === 'string' ? piece : (array(piece, `/tokenize tokens[${i}].piece`) as number[]),
      };
    });
  }

  /** vLLM's /tokenize: `{ count, max_model_len, tokens }` for a prompt or chat messages (template applied). */
  private async vllmTokens(
    body:
      | { prompt: string; add_special_tokens: boolean }
      | { messages: ChatMessageParam[]; add_generation_prompt: boolean },
    signal: AbortSignal,
  ): Promise<{ ids: number[]; contextLength: number }> {
    const answer = object(
      await this.o.http.postJson('/tokenize', { model: this.o.model, ...body }, { signal }),
      '/tokenize',
    );
    const ids = array(field(answer, 'tokens', '/tokenize'), '/tokenize tokens').map((t, i) =>
      integer(t, `/tokenize tokens[${i}]`),
    );
    return { ids, contextLength: optionalCount(answer.max_model_len) ?? this.o.contextLength };
  }

  private async countTokens(
    params: PromptParams,
    signal: AbortSignal,
  ): Promise<{ tokens: number; contextLength: number }> {
    const { kind, contextLength } = this.o;
    if (kind === 'vllm') {
      const { ids, contextLength: n } = await this.vllmTokens(
        params.messages
          ? { messages: params.messages, add_generation_prompt: true }
          : { prompt: params.prompt, add_special_tokens: true },
        signal,
      );
      return { tokens: ids.length, contextLength: n };
    }
    if (kind === 'llama.cpp') {
      const text = params.messages ? await this.llamaPrompt(params.messages, signal) : params.prompt;
      return { tokens: (await this.llamaTokens(text, true, false, signal)).length, contextLength };
    }
    throw this.noTokenizer("a prompt's length");
  }

  private async tokenize(
    params: TokenizeParams,
    signal: AbortSignal,
  ): Promise<{ ids: number[]; pieces?: { id: number; text: string; bytes: Uint8Array }[] }> {
    const { kind } = this.o;
    if (kind === 'vllm') {
      if (params.pieces)
        throw new EngineCallError(
          'unsupported',
          "vLLM's /tokenize gives vocabulary entries, not each token's text",
        );
      const { ids } = await this.vllmTokens(
        params.messages
          ? { messages: params.messages, add_generation_prompt: true }
          : { prompt: params.text, add_special_tokens: params.addSpecialTokens ?? false },
        signal,
      );
      return { ids };
    }
    if (kind === 'llama.cpp') {
      const text = params.messages ? await this.llamaPrompt(params.messages, signal) : params.text;
      const special = params.messages ? true : (params.addSpecialTokens ?? false);
      const tokens = await this.llamaTokens(text, special, params.pieces ?? false, signal);
      const ids = tokens.map((t) => t.id);
      if (!params.pieces) return { ids };
      return {
        ids,
        pieces: tokens.map((t) => {
          const bytes = pieceBytes(t.piece);
          return { id: t.id, text: displayText(bytes), bytes };
        }),
      };
    }
    throw this.noTokenizer("a text's tokens");
  }

  private async detokenize(ids: number[], signal: AbortSignal): Promise<{ text: string }> {
    const { kind, model, http } = this.o;
    if (kind === 'vllm') {
      const answer = object(
        await http.postJson('/detokenize', { model, tokens: ids }, { signal }),
        '/detokenize',
      );
      return { text: string(field(answer, 'prompt', '/detokenize'), '/detokenize prompt') };
    }
    if (kind === 'llama.cpp') {
      const answer = object(await http.postJson('/detokenize', { tokens: ids }, { signal }), '/detokenize');
      return { text: string(field(answer, 'content', '/detokenize'), '/detokenize content') };
    }
    throw this.noTokenizer("token ids' text");
  }

  // ---- inspection ----

  private async inspect(params: InspectParams, signal: AbortSignal): Promise<InspectResult> {
    const { kind, model, http } = this.o;
    if (!this.views.tokens.available) throw new EngineCallError('unsupported', this.views.tokens.reason);
    const topK = params.topK ?? 10;
    const started = now();
    let tokens: ServerToken[];
    let tokenizeMs = 0;
    if (kind === 'llama.cpp') {
      const pieces = await this.llamaTokens(params.text, true, true, signal);
      tokenizeMs = now() - started;
      tokens = pieces.map((p) => ({ id: p.id, piece: p.piece, position: null }));
    } else if (kind === 'vllm') {
      const { ids } = await this.vllmTokens({ prompt: params.text, add_special_tokens: true }, signal);
      tokenizeMs = now() - started;
      if (ids.length === 0) return this.result(params.text, [], tokenizeMs, 0);
      const answer = object(
        await http.postJson(
          '/v1/completions',
          { model, prompt: ids, max_tokens: 1, temperature: 0, prompt_logprobs: topK, logprobs: topK },
          { signal, long: true },
        ),
        '/v1/completions',
      );
      const choice = object(array(field(answer, 'choices', '/v1/completions'), 'choices')[0], 'choices[0]');
      const first = ids[0] as number;
      const firstPiece = (await this.detokenize([first], signal)).text;
      tokens = fromPromptLogprobs(ids, field(choice, 'prompt_logprobs', 'choices[0]'), firstPiece, topK);
    } else {
      // the OpenAI legacy shape: the prompt echoed with its log-probabilities
      const answer = object(
        await http.postJson(
          '/v1/completions',
          { model, prompt: params.text, max_tokens: 0, echo: true, logprobs: Math.min(topK, 5) },
          { signal, long: true },
        ),
        '/v1/completions',
      );
      const choice = object(array(field(answer, 'choices', '/v1/completions'), 'choices')[0], 'choices[0]');
      const usage = answer.usage as Json | undefined;
      tokens = fromEchoLogprobs(field(choice, 'logprobs', 'choices[0]'), optionalCount(usage?.prompt_tokens));
    }
    return this.result(params.text, tokens, tokenizeMs, now() - started - tokenizeMs);
  }

  private result(text: string, tokens: ServerToken[], tokenizeMs: number, forwardMs: number): InspectResult {
    const handle = `remote-${++this.inspections}`;
    const result = inspectResult(handle, text, tokens, this.views, { tokenizeMs, forwardMs, statsMs: 0 });
    return result;
  }

  // ---- generation ----

  private sampling(params: GenerateParams): Json {
    const body: Json = {};
    if (params.greedy || params.temperature === 0) body.temperature = 0;
    else if (params.temperature !== undefined) body.temperature = params.temperature;
    if (params.topP !== undefined && params.topP < 1) body.top_p = params.topP;
    if (params.seed !== undefined) body.seed = params.seed;
    if (params.maxNewTokens !== undefined) body.max_tokens = params.maxNewTokens;
    if (params.stopStrings?.length) body.stop = params.stopStrings;
    const { kind } = this.o;
    // extra sampling parameters only where the server is known to accept them (OpenAI itself refuses unknown ones)
    if (kind === 'vllm' || kind === 'llama.cpp' || kind === 'lmstudio') {
      if (params.topK) body.top_k = params.topK;
      if (params.repetitionPenalty !== undefined && params.repetitionPenalty !== 1)
        body[kind === 'vllm' ? 'repetition_penalty' : 'repeat_penalty'] = params.repetitionPenalty;
    }
    return body;
  }

  private async generate(
    params: GenerateParams,
    onChunk: (c: GenerateChunk) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const started = now();
    if (this.o.kind === 'vllm' || this.o.kind === 'llama.cpp') {
      // the prompt's length first, as the local engine sends it, so the chat can refuse a full context
      const count = await this.countTokens(params as PromptParams, signal).catch((e: EngineCallError) => {
        if (e.code === 'cancelled' || e.code === 'engine-disposed') throw e;
        return undefined;
      });
      if (count && count.contextLength > 0)
        onChunk({ kind: 'prompt', tokens: count.tokens, contextLength: count.contextLength });
    }
    const chat = params.messages !== undefined;
    const path = chat ? '/v1/chat/completions' : '/v1/completions';
    const body = {
      model: this.o.model,
      ...(chat ? { messages: params.messages } : { prompt: params.prompt }),
      ...this.sampling(params),
      stream: true,
      stream_options: { include_usage: true },
    };
    let text = '';
    let finish: StopReason | undefined;
    let firstTokenMs = 0;
    let usage: { prompt: number; completion: number } | undefined;
    await this.o.http.postStream(
      path,
      body,
      (data) => {
        const event = object(data, `${path} stream event`);
        if (event.error !== undefined || event.object === 'error') {
          const e = (typeof event.error === 'object' && event.error !== null ? event.error : event) as Json;
          const message = typeof e.message === 'string' ? e.message : JSON.stringify(event.error ?? event);
          throw new EngineCallError('server-error', `${this.name} failed while answering: ${message}`);
        }
        if (event.usage && typeof event.usage === 'object') {
          const u = event.usage as Json;
          if (Number.isInteger(u.prompt_tokens) && Number.isInteger(u.completion_tokens))
            usage = { prompt: u.prompt_tokens as number, completion: u.completion_tokens as number };
        }
        const choices = event.choices === undefined ? [] : array(event.choices, `${path} choices`);
        const choice = choices[0] === undefined ? undefined : object(choices[0], `${path} choices[0]`);
        if (!choice) return;
        const piece = chat ? (choice.delta as Json | undefined)?.content : choice.text;
        if (typeof piece === 'string' && piece !== '') {
          if (text === '') firstTokenMs = now() - started;
          text += piece;
          onChunk({ kind: 'text', text: piece, tokens: [] });
        }
        if (typeof choice.finish_reason === 'string')
          finish = stopReason(choice.finish_reason, choice.stop_reason);
      },
      { signal },
    );
    if (!finish)
      throw new EngineCallError('bad-response', `${path}: the stream ended before the answer was finished`);
    const totalMs = now() - started;
    const decodeMs = totalMs - firstTokenMs;
    onChunk({
      kind: 'summary',
      summary: {
        text,
        // the server does not say which ids it generated; its usage says how many
        tokens: [],
        promptTokens: [],
        ...(usage ? { tokenCount: usage.completion, promptTokenCount: usage.prompt } : {}),
        stopReason: finish,
        executionProvider: `${SERVER_LABELS[this.o.kind]} at ${new URL(this.o.http.root).host}`,
        timings: {
          prefillMs: firstTokenMs,
          firstTokenMs,
          decodeTokensPerSecond:
            usage && usage.completion > 1 && decodeMs > 0 ? ((usage.completion - 1) * 1000) / decodeMs : 0,
          totalMs,
        },
      },
    });
  }
}

/** OpenAI's finish_reason (with vLLM's stop_reason: the stop string that matched, null for EOS) as a StopReason. */
export function stopReason(finish: string, stop: unknown): StopReason {
  if (finish === 'length') return 'max-tokens';
  if (finish === 'stop' && typeof stop === 'string') return 'stop-string';
  return 'eos';
}
