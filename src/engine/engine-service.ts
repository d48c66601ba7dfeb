// The engine's state (one loaded model) and its request handlers; transport-free so the CLI and tests can use it in-process.
import type {
  EngineChunk,
  EngineMethod,
  EngineParams,
  EngineResult,
  GenerateParams,
  LoadParams,
  ModelInfo,
  PromptParams,
  ScoreParams,
  ScoreSummary,
} from '../protocol/engine-methods';
import { defaultCacheDir } from './cache-dir';
import { encodeChat } from './model/chat-template';
import { generate } from './generation/generate';
import { InspectService } from './inspect/inspect-service';
import { disposeModel, loadModel, type LoadedModel } from './model/model';
import { scoreText } from './inspect/score';
import { providerAvailability } from './model/session';
import { StepThrough } from './generation/step-through';

/** What a handler gets besides its params. */
export interface RequestContext<C = unknown> {
  signal: AbortSignal;
  /** Sends one stream item (streamed methods only). */
  stream(chunk: C): void;
}

export type Handler<M extends EngineMethod> = (
  params: EngineParams<M>,
  context: RequestContext<EngineChunk<M>>,
) => Promise<EngineResult<M>>;

export type HandlerTable = { [M in EngineMethod]?: Handler<M> };

/** An error the engine reports with a stable code (the reply's error.code). */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function modelInfo(model: LoadedModel): ModelInfo {
  const d = model.dims;
  return {
    name: model.folder.name,
    dir: model.folder.dir,
    modelType: d.modelType,
    layers: d.layers,
    heads: d.heads,
    kvHeads: d.kvHeads,
    headDim: d.headDim,
    hidden: d.hidden,
    vocab: d.vocab,
    contextLength: d.contextLength,
    dtype: model.folder.dtype,
    onnxPath: model.folder.onnxPath,
    bosId: model.bosId ?? null,
    eosIds: model.eosIds,
    hasChatTemplate: model.folder.chatTemplate !== undefined,
    executionProvider: { ...model.provider, available: providerAvailability() },
    loadMs: model.loadMs,
  };
}

export interface EngineServiceOptions {
  /** Where edited ONNX copies for inspection are kept (default: the user cache folder). */
  cacheDir?: string;
  /** Bytes of inspection tensors kept per model (default 256 MiB). */
  inspectBudgetBytes?: number;
}

export class EngineService {
  private current: LoadedModel | undefined;
  private readonly inspection: InspectService;
  private steps = new StepThrough();
  /** Model work runs one request at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Called after a model is loaded or replaced (the inspector hooks in here). */
  readonly onModelChange: ((model: LoadedModel | undefined) => void | Promise<void>)[] = [];

  readonly handlers: HandlerTable = {
    'engine/ping': async () => ({ pong: true }),
    'model/load': (p) => this.exclusive(() => this.load(p)),
    'model/info': async () => (this.current ? modelInfo(this.current) : null),
    'model/generate': (p, ctx) => this.exclusive(() => this.generate(p, ctx)),
    'model/score': (p, ctx) => this.exclusive(() => this.score(p, ctx.signal)),
    'model/countTokens': async (p) => {
      const model = this.requireModel();
      return { tokens: this.promptIds(model, p).length, contextLength: model.dims.contextLength };
    },
    'model/tokenize': async (p) => {
      const model = this.requireModel();
      if (typeof p?.text !== 'string')
        throw new EngineError('bad-params', 'model/tokenize needs { text: string }');
      return { ids: model.tokenizer.encodeIds(p.text, { addSpecialTokens: false }) };
    },
    'step/start': (p) =>
      this.exclusive(async () => {
        const model = this.requireModel();
        return this.steps.start(model, this.promptIds(model, p), count(p?.topK, 'topK', 20));
      }),
    'step/append': (p) =>
      this.exclusive(async () => {
        this.requireModel();
        if (typeof p?.handle !== 'string' || !Number.isInteger(p.id)) {
          throw new EngineError('bad-params', 'step/append needs { handle: string, id: integer }');
        }
        return this.steps.append(p.handle, p.id, count(p.topK, 'topK', 20));
      }),
    'step/sample': async (p) => {
      this.requireModel();
      const ok =
        typeof p?.handle === 'string' &&
        typeof p.temperature === 'number' &&
        p.temperature >= 0 &&
        Number.isInteger(p.seed) &&
        (p.topP === undefined || (p.topP > 0 && p.topP <= 1));
      if (!ok)
        throw new EngineError(
          'bad-params',
          'step/sample needs { handle, temperature >= 0, seed: integer, topP in (0, 1] }',
        );
      return this.steps.sample(
        p.handle,
        {
          temperature: p.temperature,
          seed: p.seed,
          ...(p.topK === undefined ? {} : { topK: count(p.topK, 'topK', 0) }),
          ...(p.topP === undefined ? {} : { topP: p.topP }),
        },
        count(p.show, 'show', 20),
      );
    },
    'step/release': async (p) => {
      if (typeof p?.handle === 'string') this.steps.release(p.handle);
      return undefined;
    },
    // a newer selection cancels a queued inspection before it runs
    'inspect/run': (p, ctx) =>
      this.exclusive(() => {
        if (ctx.signal.aborted) throw new EngineError('cancelled', 'inspect/run was cancelled before it ran');
        return this.inspection.run(this.requireModel(), p);
      }),
    'inspect/attention': (p) => this.exclusive(() => this.inspection.attention(this.requireModel(), p)),
    'inspect/thumbnails': (p) => this.exclusive(() => this.inspection.thumbnails(this.requireModel(), p)),
    'inspect/lens': (p) => this.exclusive(() => this.inspection.lens(this.requireModel(), p)),
    'inspect/neighbours': (p) => this.exclusive(() => this.inspection.neighbours(this.requireModel(), p)),
    'inspect/release': (p) => this.exclusive(() => this.inspection.release(this.requireModel(), p)),
  };

  constructor(options: EngineServiceOptions = {}) {
    this.inspection = new InspectService(options.cacheDir ?? defaultCacheDir(), {
      ...(options.inspectBudgetBytes === undefined ? {} : { budgetBytes: options.inspectBudgetBytes }),
    });
  }

  get model(): LoadedModel | undefined {
    return this.current;
  }

  /** The loaded model, or an EngineError('no-model'). */
  requireModel(): LoadedModel {
    if (!this.current) throw new EngineError('no-model', 'no model is loaded (send model/load first)');
    return this.current;
  }

  /** Runs `work` after every earlier model request has finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async handle<M extends EngineMethod>(
    method: M,
    params: EngineParams<M>,
    context: RequestContext<EngineChunk<M>>,
  ): Promise<EngineResult<M>> {
    const handler = this.handlers[method] as Handler<M> | undefined;
    if (!handler) throw new EngineError('unknown-method', `Unknown engine method: ${method}`);
    return handler(params, context);
  }

  async load(params: LoadParams): Promise<ModelInfo> {
    if (typeof params?.dir !== 'string')
      throw new EngineError('bad-params', 'model/load needs { dir: string }');
    const next = await loadModel(params.dir, {
      ...(params.dtype === undefined ? {} : { dtype: params.dtype }),
      ...(params.ep === undefined ? {} : { ep: params.ep }),
      ...(params.threads === undefined ? {} : { threads: params.threads }),
    });
    const previous = this.current;
    this.current = next;
    await this.inspection.modelChanged(next, params.threads);
    this.steps = new StepThrough();
    if (previous) await disposeModel(previous);
    for (const listener of this.onModelChange) await listener(next);
    return modelInfo(next);
  }

  private async generate(
    params: GenerateParams,
    ctx: RequestContext<EngineChunk<'model/generate'>>,
  ): Promise<undefined> {
    const model = this.requireModel();
    const ids = this.promptIds(model, params);
    ctx.stream({ kind: 'prompt', tokens: ids.length, contextLength: model.dims.contextLength });
    const result = await generate(model, ids, {
      ...samplingOf(params),
      ...(params.maxNewTokens === undefined ? {} : { maxNewTokens: params.maxNewTokens }),
      ...(params.stopStrings === undefined ? {} : { stopStrings: params.stopStrings }),
      signal: ctx.signal,
      onChunk: (c) => {
        if (c.text !== '' || c.tokens.length > 0)
          ctx.stream({ kind: 'text', text: c.text, tokens: c.tokens });
      },
    });
    ctx.stream({ kind: 'summary', summary: { ...result, executionProvider: model.provider.used } });
    return undefined;
  }

  /** The ids a prompt or chat messages encode to (the chat template renders messages). */
  private promptIds(model: LoadedModel, params: PromptParams): number[] {
    if (Array.isArray(params?.messages)) {
      const ok = params.messages.every((m) => typeof m?.role === 'string' && typeof m?.content === 'string');
      if (!ok) throw new EngineError('bad-params', 'messages must be { role: string, content: string }[]');
      return encodeChat(model.folder, model.tokenizer, params.messages).ids;
    }
    if (typeof params?.prompt === 'string') return model.tokenizer.encodeIds(params.prompt);
    throw new EngineError('bad-params', 'needs a prompt string or messages');
  }

  private async score(params: ScoreParams, signal: AbortSignal): Promise<ScoreSummary> {
    if (typeof params?.text !== 'string')
      throw new EngineError('bad-params', 'model/score needs { text: string }');
    const r = await scoreText(this.requireModel(), params.text, {
      ...(params.window === undefined ? {} : { window: params.window }),
      ...(params.stride === undefined ? {} : { stride: params.stride }),
      signal,
    });
    return {
      bytes: r.bytes,
      tokens: r.tokens,
      bits: r.bits,
      bitsPerByte: r.bitsPerByte,
      ids: Int32Array.from(r.ids),
      logprobs: r.logprobs,
    };
  }

  async dispose(): Promise<void> {
    await this.inspection.dispose();
    if (this.current) await disposeModel(this.current);
    this.current = undefined;
  }
}

/** An optional whole-number param in [0, 1000], or its default. */
function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new EngineError('bad-params', `${name} must be a whole number from 0 to 1000`);
  }
  return value;
}

function samplingOf(p: GenerateParams) {
  const out: Record<string, number | boolean> = {};
  for (const k of ['greedy', 'temperature', 'topK', 'topP', 'repetitionPenalty', 'seed'] as const) {
    if (p[k] !== undefined) out[k] = p[k];
  }
  return out;
}

/** Maps any thrown value to the reply's { code, message }. */
export function errorInfo(e: unknown): { code: string; message: string } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return {
      code: typeof code === 'string' && /^[a-z][a-z0-9-]*$/.test(code) ? code : 'internal',
      message: e.message,
    };
  }
  return { code: 'internal', message: String(e) };
}
