// The generation loop: prefill, KV-cached decode, sampling, EOS/stop strings, UTF-8-safe streaming, cancel, timings.
import type * as ort from 'onnxruntime-node';
import type { SamplingParams, StopReason, TokenLogprob } from '../../protocol/engine-methods';
import { checkContext, emptyCache, logitsRow, releaseCache, runStep, type StepModel } from '../model/forward';
import { Sampler } from './sampling';
import { StopStringWatcher } from './stop-strings';
import { tokenLogprob } from './token-logprobs';
import type { TextTokenizer } from '../model/tokenizer';

/** What generation needs from a loaded model. */
export interface GenerationModel extends StepModel {
  session: ort.InferenceSession;
  tokenizer: TextTokenizer;
  eosIds: number[];
}

export interface GenerateOptions extends SamplingParams {
  /** Default 256. */
  maxNewTokens?: number;
  /** Generation stops when the text contains one; the text returned ends before it. */
  stopStrings?: string[];
  /** Extra ids to stop on, besides the model's EOS ids. */
  stopIds?: number[];
  /** Set: every chunk with a token also carries its log-probability and this many alternatives (raw logits). */
  logprobs?: number;
  /** Checked before every model step: cancelling takes effect before the next step runs. */
  signal?: AbortSignal;
  /**
   * Called after every step with the token it generated and the text that may be shown now ('' while a character
   * is incomplete or text might still become a stop string); a last call with no token flushes held-back text.
   */
  onChunk?: (chunk: { text: string; tokens: number[]; logprobs?: TokenLogprob[] }) => void;
}

export interface GenerateTimings {
  /** The prompt's forward pass. */
  prefillMs: number;
  /** From the call to the first generated token. */
  firstTokenMs: number;
  /** Tokens after the first, per second of decoding. */
  decodeTokensPerSecond: number;
  totalMs: number;
}

export interface GenerateResult {
  /** Generated text: special tokens skipped, any stop string and what follows cut off. */
  text: string;
  /** Generated ids only (the EOS id included when it stopped generation). */
  tokens: number[];
  promptTokens: number[];
  stopReason: StopReason;
  timings: GenerateTimings;
}

/** Generates after `promptIds`; throws ContextLengthError when the prompt itself does not fit. */
export async function generate(
  model: GenerationModel,
  promptIds: readonly number[],
  options: GenerateOptions = {},
): Promise<GenerateResult> {
  const t0 = performance.now();
  if (promptIds.length === 0) throw new Error('generate needs at least one prompt token');
  checkContext(model, 0, promptIds.length);
  const maxNew = options.maxNewTokens ?? 256;
  const stopIds = new Set([...model.eosIds, ...(options.stopIds ?? [])]);
  const sampler = new Sampler(options);
  const stream = model.tokenizer.streamDecoder({ skipSpecialTokens: true });
  const watcher = new StopStringWatcher(options.stopStrings ?? []);
  const seen = [...promptIds];
  const tokens: number[] = [];
  let stopReason: StopReason = 'max-tokens';
  let prefillMs = 0;
  let firstTokenAt = 0;

  let cache = emptyCache(model);
  let feed: readonly number[] = promptIds;
  try {
    while (tokens.length < maxNew) {
      if (options.signal?.aborted) {
        stopReason = 'cancelled';
        break;
      }
      if (cache.length + feed.length > model.dims.contextLength) {
        stopReason = 'context-length';
        break;
      }
      const s0 = performance.now();
      const out = await runStep(model.session, model, feed, cache, { logits: 'last' });
      if (cache.length === 0) prefillMs = performance.now() - s0;
      cache = out.present;
      const row = logitsRow(out, model.dims.vocab);
      const id = sampler.next(row, seen);
      // the sampler leaves the row as the model gave it: these are the raw distribution's log-probabilities
      const logprobs =
        options.logprobs === undefined
          ? {}
          : { logprobs: [tokenLogprob(model.tokenizer, row, id, options.logprobs)] };
      tokens.push(id);
      seen.push(id);
      if (tokens.length === 1) firstTokenAt = performance.now();
      if (stopIds.has(id)) {
        options.onChunk?.({ text: '', tokens: [id], ...logprobs });
        stopReason = 'eos';
        break;
      }
      const { emit: text, stopped } = watcher.push(stream.push(id));
      options.onChunk?.({ text, tokens: [id], ...logprobs });
      if (stopped) {
        stopReason = 'stop-string';
        break;
      }
      feed = [id];
    }
  } finally {
    releaseCache(cache); // the last KV cache: on WebGPU, device buffers freed now, not at GC (which may outlive the session)
  }
  if (stopReason !== 'stop-string') {
    const tail = watcher.push(stream.flush());
    const rest = tail.emit + (tail.stopped ? '' : watcher.flush());
    if (tail.stopped) stopReason = 'stop-string';
    if (rest !== '') options.onChunk?.({ text: rest, tokens: [] });
  }
  const end = performance.now();
  const decodeMs = firstTokenAt ? end - firstTokenAt : 0;
  return {
    text: watcher.fullText,
    tokens,
    promptTokens: [...promptIds],
    stopReason,
    timings: {
      prefillMs,
      firstTokenMs: firstTokenAt ? firstTokenAt - t0 : 0,
      decodeTokensPerSecond: tokens.length > 1 && decodeMs > 0 ? ((tokens.length - 1) * 1000) / decodeMs : 0,
      totalMs: end - t0,
    },
  };
}
