// The engine's state (one loaded model) and its request handlers; transport-free so the CLI and tests can use it in-process.
import type {
  EngineChunk,
  EngineMethod,
  EngineResult,
  GenerateParams,
  LoadParams,
  ModelInfo,
  PromptParams,
  ScoreParams,
} from '../protocol/engine-methods';
import type { ErrorInfo } from '../protocol/envelope';
import { isErrorCode, type ErrorCode } from '../protocol/errors';
import { defaultCacheDir } from './cache-dir';
import { encodeChat } from './model/chat-template';
import { generate } from './generation/generate';
import { samplingDefaults } from './generation/generation-config';
import { InspectService } from './inspect/inspect-service';
import { disposeModel, loadModel, type LoadedModel } from './model/model';
import { scoreText } from './inspect/score';
import { providerAvailability } from './model/session';
import { StepThrough } from './generation/step-through';
import * as check from './method-params';
import type { MethodSpec, MethodTable, RequestContext } from './method-table';

/** An error the engine reports with a stable code (the reply's error.code). */
export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function quantizedCompute(model: LoadedModel): Pick<ModelInfo, 'quantizedCompute'> {
  const nodes = model.runGraph?.graph.node.filter((n) => n.opType === 'MatMulNBits').length ?? 0;
  if (nodes === 0) return {};
  return { quantizedCompute: { mode: (model.runGraph?.int8Nodes ?? 0) > 0 ? 'int8' : 'model', nodes } };
}

export function modelInfo(model: LoadedModel): ModelInfo {
  return {
    name: model.folder.name,
    dir: model.folder.dir,
    ...model.dims,
    dtype: model.folder.dtype,
    dtypeReason: model.folder.dtypeReason,
    onnxPath: model.folder.onnxPath,
    externalData: model.folder.externalData,
    bosId: model.bosId ?? null,
    eosIds: model.eosIds,
    hasChatTemplate: model.folder.chatTemplate !== undefined,
    generation: samplingDefaults(model.folder.generationConfig),
    executionProvider: { ...model.provider, available: providerAvailability() },
    ...quantizedCompute(model),
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

  /** Every method: its params checker, its handler, and whether it streams. */
  readonly methods: MethodTable = {
    'engine/ping': { streams: false, check: check.none, handle: async () => ({ pong: true }) },
    'model/load': { streams: false, check: check.load, handle: (p) => this.exclusive(() => this.load(p)) },
    'model/info': {
      streams: false,
      check: check.none,
      handle: async () => (this.current ? modelInfo(this.current) : null),
    },
    'model/generate': {
      streams: true,
      check: check.generate,
      handle: (p, ctx) => this.exclusive(() => this.generate(p, ctx)),
    },
    'model/score': {
      streams: true,
      check: check.score,
      handle: (p, ctx) => this.exclusive(() => this.score(p, ctx)),
    },
    'model/countTokens': {
      streams: false,
      check: check.promptOnly,
      handle: async (p) => {
        const model = this.requireModel();
        return { tokens: this.promptIds(model, p).length, contextLength: model.dims.contextLength };
      },
    },
    'model/tokenize': {
      streams: false,
      check: check.tokenize,
      handle: async (p) => {
        const model = this.requireModel();
        const ids = p.messages
          ? this.promptIds(model, p)
          : model.tokenizer.encodeIds(p.text, { addSpecialTokens: p.addSpecialTokens ?? false });
        if (!p.pieces) return { ids };
        const t = model.tokenizer;
        return { ids, pieces: ids.map((id) => ({ id, text: t.tokenText(id), bytes: t.tokenBytes(id) })) };
      },
    },
    'model/detokenize': {
      streams: false,
      check: check.detokenize,
      handle: async (p) => {
        const model = this.requireModel();
        const bad = p.ids.find((id) => id >= model.dims.vocab);
        if (bad !== undefined) {
          throw new EngineError(
            'out-of-range',
            `ids holds ${bad}; the vocabulary has ${model.dims.vocab} tokens`,
          );
        }
        return { text: model.tokenizer.decode(p.ids, { skipSpecialTokens: p.skipSpecialTokens ?? false }) };
      },
    },
    'step/start': {
      streams: false,
      check: check.stepStart,
      handle: (p) =>
        this.exclusive(async () => {
          const model = this.requireModel();
          return this.steps.start(model, this.promptIds(model, p), p.topK ?? 20);
        }),
    },
    'step/append': {
      streams: false,
      check: check.stepAppend,
      handle: (p) =>
        this.exclusive(async () => {
          this.requireModel();
          return this.steps.append(p.handle, p.id, p.topK ?? 20);
        }),
    },
    'step/sample': {
      streams: false,
      check: check.stepSample,
      handle: async (p) => {
        this.requireModel();
        const { handle, show, ...sampling } = p;
        return this.steps.sample(handle, sampling, show ?? 20);
      },
    },
    'step/release': {
      streams: false,
      check: check.handleOnly,
      handle: async (p) => {
        this.steps.release(p.handle);
        return undefined;
      },
    },
    'inspect/run': {
      streams: false,
      check: check.inspect,
      // a newer selection cancels a queued inspection before it runs
      handle: (p, ctx) =>
        this.exclusive(() => {
          if (ctx.signal.aborted)
            throw new EngineError('cancelled', 'inspect/run was cancelled before it ran');
          return this.inspection.run(this.requireModel(), p);
        }),
    },
    'inspect/attention': {
      streams: false,
      check: check.attention,
      handle: (p) => this.exclusive(() => this.inspection.attention(this.requireModel(), p)),
    },
    'inspect/thumbnails': {
      streams: false,
      check: check.thumbnails,
      handle: (p) => this.exclusive(() => this.inspection.thumbnails(this.requireModel(), p)),
    },
    'inspect/lens': {
      streams: false,
      check: check.lens,
      handle: (p) => this.exclusive(() => this.inspection.lens(this.requireModel(), p)),
    },
    'inspect/neighbours': {
      streams: false,
      check: check.neighbours,
      handle: (p) => this.exclusive(() => this.inspection.neighbours(this.requireModel(), p)),
    },
    'inspect/release': {
      streams: false,
      check: check.handleOnly,
      handle: (p) => this.exclusive(() => this.inspection.release(this.requireModel(), p)),
    },
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

  /** The method's spec, or an unknown-method error (the name comes from the channel: untrusted). */
  method(name: string): MethodSpec<EngineMethod> {
    if (!Object.hasOwn(this.methods, name)) {
      throw new EngineError('unknown-method', `Unknown engine method: ${JSON.stringify(name).slice(0, 80)}`);
    }
    return this.methods[name as EngineMethod] as MethodSpec<EngineMethod>;
  }

  /**
   * Checks a request's params (whatever their type: they may come from a channel) and runs the method's handler.
   * Every caller goes through here: the engine process, the CLI, tests.
   */
  async handle<M extends EngineMethod>(
    method: M,
    params: unknown,
    context: RequestContext<EngineChunk<M>>,
  ): Promise<EngineResult<M>> {
    const spec = this.method(method) as unknown as MethodSpec<M>;
    return spec.handle(spec.check(params), context);
  }

  async load(params: LoadParams): Promise<ModelInfo> {
    const next = await loadModel(params.dir, {
      ...(params.dtype === undefined ? {} : { dtype: params.dtype }),
      ...(params.ep === undefined ? {} : { ep: params.ep }),
      ...(params.threads === undefined ? {} : { threads: params.threads }),
      cpuAccuracy: params.cpuFastMath === false ? 'model' : 'int8',
    });
    const previous = this.current;
    this.current = next;
    await this.inspection.modelChanged(next, params.threads);
    this.steps.releaseAll();
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
    // checked params hold only what they name: what is not the prompt is generate()'s options as they are
    const { prompt: _prompt, messages: _messages, ...options } = params;
    const result = await generate(model, ids, {
      ...options,
      signal: ctx.signal,
      onChunk: (c) => {
        if (c.text !== '' || c.tokens.length > 0) ctx.stream({ kind: 'text', ...c });
      },
    });
    ctx.stream({ kind: 'summary', summary: { ...result, executionProvider: model.provider.used } });
    return undefined;
  }

  /** The ids a prompt or chat messages encode to (the chat template renders messages). */
  private promptIds(model: LoadedModel, params: PromptParams): number[] {
    if (params.messages) return encodeChat(model.folder, model.tokenizer, params.messages).ids;
    return model.tokenizer.encodeIds(params.prompt);
  }

  /** Scores the text window by window, streaming progress after every forward pass, then the summary. */
  private async score(
    params: ScoreParams,
    ctx: RequestContext<EngineChunk<'model/score'>>,
  ): Promise<undefined> {
    const summary = await scoreText(this.requireModel(), params.text, {
      ...(params.window === undefined ? {} : { window: params.window }),
      ...(params.stride === undefined ? {} : { stride: params.stride }),
      signal: ctx.signal,
      onProgress: (scored, total) => ctx.stream({ kind: 'progress', scored, total }),
    });
    ctx.stream({ kind: 'summary', summary });
    return undefined;
  }

  async dispose(): Promise<void> {
    await this.inspection.dispose();
    this.steps.releaseAll();
    if (this.current) await disposeModel(this.current);
    this.current = undefined;
  }
}

/** Maps any thrown value to the reply's { code, message }: a code outside the protocol's list is 'internal'. */
export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { code: isErrorCode(code) ? code : 'internal', message: e.message };
  }
  return { code: 'internal', message: String(e) };
}
