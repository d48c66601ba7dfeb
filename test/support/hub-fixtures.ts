// Test support: the Hub-layout fixtures (models/fixtures/hub), their torch references, and a plain ORT pass over any variant.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fixturesDir, readJson, repoRoot } from './model-folder';

export interface HubInput {
  text: string;
  /** Exactly what was fed: BOS, then the text's tokens. */
  ids: number[];
  top5_ids: number[][];
  top5_logprobs: number[][];
  /** next_logprob[t] = log p(ids[t + 1]); null at the last position. */
  next_logprob: (number | null)[];
  /** [layer][head][query][key], first text only. */
  attention?: number[][][][];
  /** 24 argmax tokens with the KV cache, no stop at EOS. */
  greedy: number[];
}

export interface HubFixture {
  name: string;
  dir: string;
  variants: { file: string; dtype: string }[];
  inputs: HubInput[];
}

export function hubFixtures(): HubFixture[] {
  const root = join(fixturesDir, 'hub');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'config.json')))
    .map((d) => {
      const ref = readJson<Omit<HubFixture, 'name' | 'dir'>>(
        join(repoRoot, 'test', 'fixtures', 'reference', 'hub', `${d.name}.json`),
      );
      return { name: d.name, dir: join(root, d.name), variants: ref.variants, inputs: ref.inputs };
    });
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Logits [ids.length, vocab] of one plain onnxruntime-node pass over `ids` with an empty cache, feeding whatever the
 * graph asks for by its own metadata (no engine code): positions, mask, empty pasts of its type, `keep` logits rows
 * (0: all). The model is a file, or a graph in memory whose external weights resolve against a folder.
 */
export async function plainLogits(
  model: string | { bytes: Uint8Array; externalDataFolder: string },
  ids: number[],
  keep = 0,
): Promise<Float32Array> {
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, { executionProviders: ['cpu'] })
      : await ort.InferenceSession.create(model.bytes, {
          executionProviders: ['cpu'],
          extra: { session: { model_external_initializers_file_folder_path: model.externalDataFolder } },
        });
  try {
    const n = ids.length;
    const int64 = (xs: number[], shape: number[]) =>
      new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), shape);
    const feeds: Record<string, ort.Tensor> = {};
    for (const meta of session.inputMetadata) {
      if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
      const { name } = meta;
      if (name === 'input_ids') feeds[name] = int64(ids, [1, n]);
      else if (name === 'attention_mask') feeds[name] = int64(new Array<number>(n).fill(1), [1, n]);
      else if (name === 'position_ids') feeds[name] = int64([...ids.keys()], [1, n]);
      else if (name === 'num_logits_to_keep' || name === 'logits_to_keep')
        feeds[name] = int64([keep], meta.shape.length === 0 ? [] : [1]);
      else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', Uint8Array.of(0), [1]);
      else if (name.startsWith('past_key_values.')) {
        const [, kv, , hd] = meta.shape as [unknown, number, unknown, number];
        feeds[name] =
          meta.type === 'float16'
            ? new ort.Tensor('float16', new Uint16Array(0), [1, kv, 0, hd])
            : new ort.Tensor('float32', new Float32Array(0), [1, kv, 0, hd]);
      } else throw new Error(`no feed for input ${name}`);
    }
    const logits = (await session.run(feeds, ['logits'])).logits as ort.Tensor;
    const data = logits.data as unknown;
    return data instanceof Uint16Array ? Float32Array.from(data, halfToFloat) : (data as Float32Array);
  } finally {
    await session.release();
  }
}

/** log-softmax of one row, in float64. */
export function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}
