// The baseline: a bare onnxruntime-node greedy KV-cache loop (session.run, present -> past, argmax), nothing else.
import * as ort from 'onnxruntime-node';

export interface LoopTimings {
  tokens: number[];
  prefillMs: number;
  decodeTokensPerSecond: number;
}

interface Layout {
  layers: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
}

const int64 = (xs: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), [1, xs.length]);

/** Greedy decoding of `newTokens` tokens after `promptIds` (EOS ignored, so every run does the same work). */
export async function bareLoop(
  session: ort.InferenceSession,
  d: Layout,
  promptIds: number[],
  newTokens: number,
): Promise<LoopTimings> {
  const feeds: Record<string, ort.Tensor> = {};
  for (let i = 0; i < d.layers; i++) {
    for (const kv of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [
        1,
        d.kvHeads,
        0,
        d.headDim,
      ]);
    }
  }
  const positions = session.inputNames.includes('position_ids');
  const tokens: number[] = [];
  let ids = promptIds;
  let past = 0;
  let prefillMs = 0;
  let firstAt = 0;
  const t0 = performance.now();
  while (tokens.length < newTokens) {
    feeds.input_ids = int64(ids);
    feeds.attention_mask = int64(new Array<number>(past + ids.length).fill(1));
    if (positions) feeds.position_ids = int64(ids.map((_, i) => past + i));
    const out = await session.run(feeds);
    const logits = out.logits as ort.Tensor;
    const data = logits.data as Float32Array;
    const row = data.subarray(data.length - d.vocab);
    let best = 0;
    for (let v = 1; v < d.vocab; v++) if ((row[v] as number) > (row[best] as number)) best = v;
    tokens.push(best);
    if (tokens.length === 1) {
      firstAt = performance.now();
      prefillMs = firstAt - t0;
    }
    for (let i = 0; i < d.layers; i++) {
      feeds[`past_key_values.${i}.key`] = out[`present.${i}.key`] as ort.Tensor;
      feeds[`past_key_values.${i}.value`] = out[`present.${i}.value`] as ort.Tensor;
    }
    past += ids.length;
    ids = [best];
  }
  const decodeMs = performance.now() - firstAt;
  return { tokens, prefillMs, decodeTokensPerSecond: ((tokens.length - 1) * 1000) / decodeMs };
}
