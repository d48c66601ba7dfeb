// Generation made visible: one model step at a time, each step's logits kept so sampling can be redone without the model.
import { checkContext, emptyCache, logitsRow, releaseCache, runStep, type KvCache } from '../model/forward';
import type { ErrorCode } from '../../protocol/errors';
import type { LoadedModel } from '../model/model';
import { createRng, distribution, drawIndex } from './sampling';
import { entropy, logSumExp, softmax, topK } from '../math';
import type {
  NextDistribution,
  SamplingParams,
  StepAppendResult,
  StepSampleResult,
  StepToken,
} from '../../protocol/engine-methods';

interface Held {
  model: LoadedModel;
  ids: number[];
  cache: KvCache;
  logits: Float32Array;
}

export class StepThroughError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'step-gone' | 'out-of-range'>,
    message: string,
  ) {
    super(message);
  }
}

/** The model's own probability of `id` under these logits, and its rank (1 + how many score strictly higher). */
function probAndRank(logits: Float32Array, id: number): { prob: number; rank: number } {
  const own = logits[id] as number;
  let rank = 1;
  for (const v of logits) if (v > own) rank++;
  return { prob: Math.exp(own - logSumExp(logits)), rank };
}

/** Holds at most `limit` step-throughs (the oldest goes first); each keeps its KV cache and last logits. */
export class StepThrough {
  private readonly held = new Map<string, Held>();
  private next = 0;

  constructor(private readonly limit = 4) {}

  async start(
    model: LoadedModel,
    promptIds: number[],
    k = 20,
  ): Promise<{ handle: string; prompt: StepToken[]; next: NextDistribution }> {
    if (promptIds.length === 0) throw new StepThroughError('out-of-range', 'the prompt has no tokens');
    checkContext(model, 0, promptIds.length);
    const out = await runStep(model.session, model, promptIds, emptyCache(model), { logits: 'last' });
    const handle = `s${this.next++}`;
    const held: Held = {
      model,
      ids: [...promptIds],
      cache: out.present,
      logits: Float32Array.from(logitsRow(out, model.dims.vocab)),
    };
    this.held.set(handle, held);
    while (this.held.size > this.limit) this.release(this.held.keys().next().value as string);
    return { handle, prompt: promptIds.map((id) => this.token(model, id)), next: this.describe(held, k) };
  }

  /** Feeds the chosen token: one cached model step; says how likely the model found it before the step. */
  async append(handle: string, id: number, k = 20): Promise<StepAppendResult> {
    const held = this.get(handle);
    const { model } = held;
    if (!Number.isInteger(id) || id < 0 || id >= model.dims.vocab) {
      throw new StepThroughError('out-of-range', `token id ${id} out of range 0..${model.dims.vocab - 1}`);
    }
    checkContext(model, held.cache.length, 1);
    const took = probAndRank(held.logits, id);
    const out = await runStep(model.session, model, [id], held.cache, { logits: 'last' });
    held.cache = out.present;
    held.ids.push(id);
    held.logits = Float32Array.from(logitsRow(out, model.dims.vocab));
    return { appended: { ...this.token(model, id), ...took }, next: this.describe(held, k) };
  }

  /** Re-samples the current position from its cached logits (no model run); the same seed gives the same token. */
  sample(handle: string, options: SamplingParams & { seed: number }, k = 20): StepSampleResult {
    const held = this.get(handle);
    const { probs } = distribution(held.logits, held.ids, options);
    const model = softmax(held.logits);
    const chosen =
      options.greedy || options.temperature === 0
        ? (topK(Float32Array.from(probs), 1)[0] as number)
        : drawIndex(probs, createRng(options.seed));
    let kept = 0;
    for (const p of probs) if (p > 0) kept++;
    const top = topK(Float32Array.from(probs), Math.min(k, kept)).map((id) => ({
      ...this.token(held.model, id),
      prob: probs[id] as number,
      modelProb: model[id] as number,
    }));
    return {
      chosen: { ...this.token(held.model, chosen), isStop: held.model.eosIds.includes(chosen) },
      top,
      kept,
    };
  }

  /** Frees every held cache (before its model's session goes: WebGPU buffers must not outlive it). */
  releaseAll(): void {
    for (const handle of [...this.held.keys()]) this.release(handle);
  }

  release(handle: string): void {
    const held = this.held.get(handle);
    if (held) releaseCache(held.cache);
    this.held.delete(handle);
  }

  private describe(held: Held, k: number): NextDistribution {
    const { logits, model } = held;
    const lse = logSumExp(logits);
    const stopProb = model.eosIds.reduce((s, id) => s + Math.exp((logits[id] ?? -Infinity) - lse), 0);
    return {
      top: topK(logits, k).map((id) => ({
        ...this.token(model, id),
        logit: logits[id] as number,
        prob: Math.exp((logits[id] as number) - lse),
      })),
      entropy: entropy(logits, lse),
      stopProb,
      used: held.ids.length,
      contextLength: model.dims.contextLength,
    };
  }

  private token(model: LoadedModel, id: number): StepToken {
    return { id, text: model.tokenizer.tokenText(id), bytes: model.tokenizer.tokenBytes(id) };
  }

  private get(handle: string): Held {
    const h = this.held.get(handle);
    if (!h)
      throw new StepThroughError(
        'step-gone',
        `step-through ${handle} is gone (released, replaced or the model changed): start again`,
      );
    return h;
  }
}
