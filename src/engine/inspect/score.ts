// Scores a text: per-token log-probabilities over sliding windows (bounded memory), bits per byte.
import type { ScoreSummary } from '../../protocol/engine-methods';
import { runInChunks } from '../model/forward';
import type { GenerationModel } from '../generation/generate';
import { logProb } from '../math';

export interface ScoreOptions {
  /** Window length in tokens (default and maximum: the model's context). */
  window?: number;
  /** How far each window moves (default: half the window). Later windows score only tokens no earlier one did. */
  stride?: number;
  /** Tokens per forward pass inside a window (bounds the logits held at once; default 128). */
  chunk?: number;
  signal?: AbortSignal;
  /** Told after every forward pass: tokens scored so far (their context read), out of all. */
  onProgress?: (scored: number, total: number) => void;
}

/** Log-probs of every id given its window's context; ids[0] gets NaN. */
export async function scoreIds(
  model: GenerationModel,
  ids: readonly number[],
  options: ScoreOptions = {},
): Promise<Float64Array> {
  const ctx = model.dims.contextLength;
  const window = Math.min(options.window ?? ctx, ctx);
  const stride = Math.max(1, Math.min(options.stride ?? Math.floor(window / 2), window - 1));
  const chunk = Math.max(1, options.chunk ?? 128);
  const V = model.dims.vocab;
  const out = new Float64Array(ids.length).fill(NaN);
  let scoredUpTo = 1; // ids[0] has no context
  for (let start = 0; scoredUpTo < ids.length; start += stride) {
    const end = Math.min(start + window, ids.length);
    // the row after ids[c] predicts ids[c + 1]: the window's last id is only predicted, never fed
    await runInChunks(
      model.session,
      model,
      ids.slice(start, end - 1),
      chunk,
      (step, first) => {
        for (let r = 0; r < step.rows; r++) {
          const target = start + first + r + 1;
          if (target < scoredUpTo) continue;
          out[target] = logProb(step.logits.subarray(r * V, (r + 1) * V), ids[target] as number);
        }
        options.onProgress?.(Math.max(scoredUpTo, Math.min(start + first + step.rows + 1, end)), ids.length);
      },
      () => {
        if (options.signal?.aborted)
          throw Object.assign(new Error('scoring was cancelled'), { code: 'cancelled' });
      },
    );
    scoredUpTo = end;
  }
  return out;
}

export async function scoreText(
  model: GenerationModel,
  text: string,
  options: ScoreOptions = {},
): Promise<ScoreSummary> {
  const ids = model.tokenizer.encodeIds(text);
  const logprobs = await scoreIds(model, ids, options);
  let nats = 0;
  for (let i = 1; i < logprobs.length; i++) nats -= logprobs[i] as number;
  const bytes = new TextEncoder().encode(text).length;
  const bits = nats / Math.LN2;
  return {
    bytes,
    tokens: ids.length,
    ids: Int32Array.from(ids),
    logprobs,
    bits,
    bitsPerByte: bytes > 0 ? bits / bytes : 0,
  };
}
