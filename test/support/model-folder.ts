// Test support: reads a model folder's config and runs its ONNX graph with plain onnxruntime-node (no engine code).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const bundledModel = join(repoRoot, 'models', 'glassbox-tiny');
export const fixturesDir = join(repoRoot, 'models', 'fixtures');

/** The bundled model and every fixture folder: each must be handled by everything downstream. */
export function modelFolders(): { name: string; dir: string }[] {
  const fixtures = readdirSync(fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixturesDir, d.name, 'config.json')))
    .map((d) => ({ name: d.name, dir: join(fixturesDir, d.name) }));
  return [{ name: 'glassbox-tiny', dir: bundledModel }, ...fixtures];
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export interface Dims {
  modelType: string;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  vocab: number;
  ctx: number;
}

/** Dimensions as Hugging Face configs state them (GPT-2 uses its own key names). */
export function dims(dir: string): Dims {
  const c = readJson<Record<string, number | string>>(join(dir, 'config.json'));
  const n = (k: string): number => {
    const v = c[k];
    if (typeof v !== 'number') throw new Error(`config.json: ${k} is missing`);
    return v;
  };
  if (c.model_type === 'gpt2') {
    return {
      modelType: 'gpt2',
      layers: n('n_layer'),
      heads: n('n_head'),
      kvHeads: n('n_head'),
      headDim: n('n_embd') / n('n_head'),
      hidden: n('n_embd'),
      vocab: n('vocab_size'),
      ctx: n('n_positions'),
    };
  }
  return {
    modelType: String(c.model_type),
    layers: n('num_hidden_layers'),
    heads: n('num_attention_heads'),
    kvHeads: n('num_key_value_heads'),
    headDim: typeof c.head_dim === 'number' ? c.head_dim : n('hidden_size') / n('num_attention_heads'),
    hidden: n('hidden_size'),
    vocab: n('vocab_size'),
    ctx: n('max_position_embeddings'),
  };
}

export function openSession(dir: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), { executionProviders: ['cpu'] });
}

const int64 = (xs: number[], shape: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), shape);

export type Past = Record<string, ort.Tensor>;

export function emptyPast(d: Dims): Past {
  const past: Past = {};
  for (let i = 0; i < d.layers; i++) {
    for (const kv of ['key', 'value']) {
      past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [
        1,
        d.kvHeads,
        0,
        d.headDim,
      ]);
    }
  }
  return past;
}

export interface StepResult {
  logits: Float32Array; // [ids.length, vocab]
  past: Past;
}

/** One session.run over `ids` following `past` (its length taken from the past tensors). */
export async function step(
  session: ort.InferenceSession,
  d: Dims,
  ids: number[],
  past: Past,
): Promise<StepResult> {
  const pastLen = (past['past_key_values.0.key']?.dims[2] as number | undefined) ?? 0;
  const total = pastLen + ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(ids, [1, ids.length]),
    attention_mask: int64(new Array<number>(total).fill(1), [1, total]),
    ...past,
  };
  if (session.inputNames.includes('position_ids')) {
    feeds.position_ids = int64(
      ids.map((_, i) => pastLen + i),
      [1, ids.length],
    );
  }
  const out = await session.run(feeds);
  const next: Past = {};
  for (let i = 0; i < d.layers; i++) {
    for (const kv of ['key', 'value']) {
      const t = out[`present.${i}.${kv}`];
      if (!t) throw new Error(`present.${i}.${kv} missing from outputs`);
      next[`past_key_values.${i}.${kv}`] = t;
    }
  }
  const logits = out.logits;
  if (!logits) throw new Error('logits missing from outputs');
  return { logits: logits.data as Float32Array, past: next };
}

export function argmax(row: Float32Array | number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

export function row(logits: Float32Array, t: number, vocab: number): Float32Array {
  return logits.subarray(t * vocab, (t + 1) * vocab);
}

/** Greedy decoding with the KV cache: prefill once, then one token per run. Stops after n tokens or at an eos id. */
export async function greedyWithCache(
  session: ort.InferenceSession,
  d: Dims,
  prompt: number[],
  n: number,
  eos: number[] = [],
): Promise<number[]> {
  let { logits, past } = await step(session, d, prompt, emptyPast(d));
  let last = row(logits, prompt.length - 1, d.vocab);
  const out: number[] = [];
  while (out.length < n) {
    const next = argmax(last);
    out.push(next);
    if (eos.includes(next)) break;
    ({ logits, past } = await step(session, d, [next], past));
    last = row(logits, 0, d.vocab);
  }
  return out;
}

/** Greedy decoding by recomputing the whole sequence at every step (no cache): the reference for the cached loop. */
export async function greedyRecompute(
  session: ort.InferenceSession,
  d: Dims,
  prompt: number[],
  n: number,
): Promise<number[]> {
  const ids = [...prompt];
  const out: number[] = [];
  while (out.length < n) {
    const { logits } = await step(session, d, ids, emptyPast(d));
    const next = argmax(row(logits, ids.length - 1, d.vocab));
    out.push(next);
    ids.push(next);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
