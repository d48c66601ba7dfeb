// OpenAI response bodies: chat completions and their chunks, legacy completions, log-probs in both shapes, usage, models.
import { randomBytes } from 'node:crypto';
import type { InspectResult, ModelInfo, StopReason, TokenLogprob } from '../protocol/engine-methods';

export type FinishReason = 'stop' | 'length';

/** eos and stop strings end an answer as OpenAI's `stop`; the token limit and a full context as `length`. */
export function finishReason(stop: StopReason): FinishReason {
  return stop === 'eos' || stop === 'stop-string' ? 'stop' : 'length';
}

export function completionId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function modelList(model: ModelInfo, created: number): unknown {
  return {
    object: 'list',
    data: [
      {
        id: model.name,
        object: 'model',
        created,
        owned_by: 'glassbox',
        max_model_len: model.contextLength,
      },
    ],
  };
}

/** Chat's per-token log-probs: the chosen token and the `top` most likely ones, text and UTF-8 bytes. */
export function chatLogprobs(entries: TokenLogprob[], top: number): unknown {
  return {
    content: entries.map((e) => ({
      token: e.text,
      logprob: e.logprob,
      bytes: [...e.bytes],
      top_logprobs: e.top
        .slice(0, top)
        .map((t) => ({ token: t.text, logprob: t.logprob, bytes: [...t.bytes] })),
    })),
  };
}

/** The legacy completions log-probs: parallel lists, `top_logprobs` a text -> logprob table per token. */
export interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}

export function emptyLegacy(): LegacyLogprobs {
  return { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
}

/** Generated tokens in the legacy shape (vLLM's: the top `n` and the chosen token); offsets are given per token. */
export function legacyFromGenerated(entries: TokenLogprob[], offsets: number[], n: number): LegacyLogprobs {
  const out = emptyLegacy();
  entries.forEach((e, i) => {
    const top: Record<string, number> = {};
    for (const t of e.top.slice(0, n)) top[t.text] ??= t.logprob;
    top[e.text] ??= e.logprob;
    out.tokens.push(e.text);
    out.token_logprobs.push(e.logprob);
    out.top_logprobs.push(top);
    out.text_offset.push(offsets[i] ?? 0);
  });
  return out;
}

/** A prompt's tokens in the legacy shape, from an inspect/run pass over it (null where nothing precedes a token). */
export function legacyFromInspection(r: InspectResult, n: number): LegacyLogprobs {
  const out = emptyLegacy();
  r.tokens.forEach((t, i) => {
    const p = r.positions[i];
    out.tokens.push(t.text);
    out.text_offset.push(t.start);
    if (!p) {
      out.token_logprobs.push(null);
      out.top_logprobs.push(null);
      return;
    }
    const top: Record<string, number> = {};
    for (const a of p.top.slice(0, n)) top[a.text] ??= Math.log(a.prob);
    top[t.text] ??= p.logprob;
    out.token_logprobs.push(p.logprob);
    out.top_logprobs.push(top);
  });
  return out;
}

export function concatLegacy(a: LegacyLogprobs, b: LegacyLogprobs): LegacyLogprobs {
  return {
    tokens: [...a.tokens, ...b.tokens],
    token_logprobs: [...a.token_logprobs, ...b.token_logprobs],
    top_logprobs: [...a.top_logprobs, ...b.top_logprobs],
    text_offset: [...a.text_offset, ...b.text_offset],
  };
}
