// One decoder step: builds the feeds (ids, mask, positions, KV cache), runs the session, keeps present as the next past.
import * as ort from 'onnxruntime-node';
import type { GraphSignature } from './graph-check';
import type { ModelDims } from '../../protocol/engine-methods';
import { halvesToFloats } from '../math';

/** What a step needs to know about the model. */
export interface StepModel {
  dims: ModelDims;
  signature: GraphSignature;
}

/**
 * The KV cache: `past_key_values.*` feeds (ORT tensors, never copied) and how many positions they hold. On WebGPU the
 * tensors are device buffers (location 'gpu-buffer') that JavaScript never reads. A cache feeds one step: runStep
 * frees its device buffers once the step has run, and the step's `present` is the next cache.
 */
export interface KvCache {
  feeds: Record<string, ort.Tensor>;
  length: number;
}

export interface StepOutput {
  /** Logits row-major [rows, vocab]: every fed position, or only the last when that was asked for and the graph can. */
  logits: Float32Array;
  rows: number;
  /** The next past: this step's present tensors, as they came out of the session. */
  present: KvCache;
  /** The extra outputs asked for, by name. */
  extras: Record<string, ort.Tensor>;
}

/** Thrown instead of silently truncating when a sequence would not fit the model's context. */
export class ContextLengthError extends Error {
  override readonly name = 'ContextLengthError';
  readonly code = 'context-length';
  constructor(
    readonly needed: number,
    readonly contextLength: number,
  ) {
    super(`the sequence needs ${needed} positions but the model's context holds ${contextLength}`);
  }
}

/** An empty cache: [1, kv_heads, 0, head_dim] tensors for every layer. */
export function emptyCache(model: StepModel): KvCache {
  const { kvHeads, headDim } = model.dims;
  const feeds: Record<string, ort.Tensor> = {};
  for (const { key, value } of model.signature.pastNames) {
    for (const name of [key, value]) {
      feeds[name] =
        model.signature.kvType === 'float16'
          ? new ort.Tensor('float16', new Uint16Array(0), [1, kvHeads, 0, headDim])
          : new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    }
  }
  return { feeds, length: 0 };
}

function int64(values: ArrayLike<number>, length: number, offset = 0): ort.Tensor {
  const data = new BigInt64Array(length);
  for (let i = 0; i < length; i++) data[i] = BigInt(values[i] ?? offset + i);
  return new ort.Tensor('int64', data, [1, length]);
}

function ones(length: number): ort.Tensor {
  return new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]);
}

function floats(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const d = t.data as unknown;
    return d instanceof Uint16Array ? halvesToFloats(d) : Float32Array.from(d as ArrayLike<number>);
  }
  throw new Error(`logits are ${t.type}, expected float32 or float16`);
}

/** Throws ContextLengthError when `past + n` positions exceed the model's context. */
export function checkContext(model: StepModel, pastLength: number, n: number): void {
  const needed = pastLength + n;
  if (needed > model.dims.contextLength) throw new ContextLengthError(needed, model.dims.contextLength);
}

/** Runs `ids` after `past`; returns logits for every fed position, the next cache and any extra outputs. */
export async function runStep(
  session: ort.InferenceSession,
  model: StepModel,
  ids: readonly number[],
  past: KvCache,
  options: {
    extraOutputs?: readonly string[];
    /**
     * 'last': only the last position's logits are needed. A graph with a `num_logits_to_keep` input then computes just
     * that row (a long prompt's prefill would otherwise make [prompt, vocab] logits); other graphs still give all.
     */
    logits?: 'all' | 'last';
  } = {},
): Promise<StepOutput> {
  const n = ids.length;
  if (n === 0) throw new Error('runStep needs at least one token');
  checkContext(model, past.length, n);
  const sig = model.signature;
  const feeds: Record<string, ort.Tensor> = { ...past.feeds, input_ids: int64(ids, n) };
  if (sig.hasAttentionMask) feeds.attention_mask = ones(past.length + n);
  if (sig.hasPositionIds) feeds.position_ids = int64([], n, past.length);
  if (sig.logitsToKeep) {
    const keep = BigInt64Array.of(options.logits === 'last' ? 1n : 0n); // 0 keeps every position
    feeds[sig.logitsToKeep.name] = new ort.Tensor('int64', keep, sig.logitsToKeep.shape);
  }
  if (sig.hasUseCacheBranch)
    feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(past.length > 0 ? 1 : 0), [1]);
  const fetches = [
    'logits',
    ...sig.presentNames.flatMap((p) => [p.key, p.value]),
    ...(options.extraOutputs ?? []),
  ];
  const out = await session.run(feeds, fetches);
  releaseCache(past);
  const presentFeeds: Record<string, ort.Tensor> = {};
  sig.presentNames.forEach((p, i) => {
    const names = sig.pastNames[i] as { key: string; value: string };
    presentFeeds[names.key] = out[p.key] as ort.Tensor;
    presentFeeds[names.value] = out[p.value] as ort.Tensor;
  });
  const extras: Record<string, ort.Tensor> = {};
  for (const name of options.extraOutputs ?? []) extras[name] = out[name] as ort.Tensor;
  const logits = floats(out.logits as ort.Tensor);
  return {
    logits,
    rows: logits.length / model.dims.vocab,
    present: { feeds: presentFeeds, length: past.length + n },
    extras,
  };
}

/**
 * Runs `ids` through `session` `chunk` positions at a time, each pass after the previous ones' KV cache, so no pass
 * makes more than `chunk` rows of logits; hands each pass to `visit` (with the index of its first id) before the next
 * one runs, calls `beforeEach` before every pass (to stop by throwing), and frees the last cache.
 */
export async function runInChunks(
  session: ort.InferenceSession,
  model: StepModel,
  ids: readonly number[],
  chunk: number,
  visit: (step: StepOutput, first: number) => void | Promise<void>,
  beforeEach: () => void = () => undefined,
): Promise<void> {
  let cache = emptyCache(model);
  try {
    for (let first = 0; first < ids.length; first += chunk) {
      beforeEach();
      const step = await runStep(session, model, ids.slice(first, first + chunk), cache);
      cache = step.present;
      await visit(step, first);
    }
  } finally {
    releaseCache(cache);
  }
}

/** Frees a cache's device buffers now (WebGPU); tensors in JS memory are left to the garbage collector. */
export function releaseCache(cache: KvCache): void {
  for (const t of Object.values(cache.feeds)) if (t.location === 'gpu-buffer') t.dispose();
}

/** Row `row` of a step's logits (default: the last one), as a view without copying. */
export function logitsRow(
  step: Pick<StepOutput, 'logits' | 'rows'>,
  vocab: number,
  row = step.rows - 1,
): Float32Array {
  return step.logits.subarray(row * vocab, (row + 1) * vocab);
}
