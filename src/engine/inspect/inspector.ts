// The inspector: one full forward pass over a text, then attention, logit lens and neighbours fetched on demand.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ErrorCode } from '../../protocol/errors';
import type {
  InspectPosition,
  InspectResult,
  InspectToken,
  LensLayerResult,
} from '../../protocol/engine-methods';
import type * as ort from 'onnxruntime-node';
import { replayHead, rotateQueries } from './attention-replay';
import {
  analyseDecoder,
  inspectionOutputs,
  isAvailable,
  type DecoderAnatomy,
  type FusedAttention,
  type ResidualLink,
} from './graph-analysis';
import { promoteOutputs, type EditedModel } from './graph-edit';
import { lensLogits } from './logit-lens';
import { ModelWeights } from './model-weights';
import { topK } from '../math';
import { positionStats, type PositionStats } from './next-token-stats';
import { decodeGraph, graphOutputsAppendix, type OnnxGraph } from './onnx-proto';
import { RowStats, rowStatsModel } from './row-stats';
import { TensorCache } from './tensor-cache';

/** A request the inspector cannot answer; `code` is stable (unavailable, out-of-range, inspection-gone). */
export class InspectError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'unavailable' | 'out-of-range' | 'inspection-gone'>,
    message: string,
  ) {
    super(message);
  }
}

/** What the inspector needs from a loaded model; the engine provides it. */
export interface InspectableModel {
  onnxPath: string;
  dims: {
    layers: number;
    heads: number;
    headDim: number;
    hidden: number;
    vocab: number;
    contextLength: number;
  };
  /** config.json, for the final norm's kind and epsilon. */
  config: Record<string, unknown>;
  bosId: number | undefined;
  /** Tokens of `text` without special tokens, with spans into `text`. */
  tokenize(text: string): InspectToken[];
  tokenText(id: number): string;
  /**
   * The graph the model's session runs, weights referenced from their files (run-graph.ts), when the engine built one:
   * the inspector reads it instead of decoding the whole file, and edits it in memory.
   */
  runGraph?: { bytes: Uint8Array; externalDataFolder: string; graph: OnnxGraph };
  /**
   * The model's own session (generation's, never released here): prediction passes run on it, so inspecting the
   * tokens and their predictions holds no second copy of the weights.
   */
  ownSession?: ort.InferenceSession;
  openSession(model: EditedModel): Promise<ort.InferenceSession>;
  /** A CPU session on a small graph of the inspector's own (row-stats.ts), with the model's thread settings. */
  openCpuSession(bytes: Uint8Array): Promise<ort.InferenceSession>;
  /** Passes over `ids` `chunk` positions at a time with the KV cache, handing each one's logits rows to `visit`. */
  runChunks?(
    session: ort.InferenceSession,
    ids: number[],
    chunk: number,
    visit: (rows: Float32Array, first: number) => Promise<void>,
  ): Promise<void>;
  /** One full pass over `ids` (no cache), returning `fetches` as float32 arrays. */
  run(session: ort.InferenceSession, ids: number[], fetches: string[]): Promise<Record<string, Float32Array>>;
}

interface Held {
  ids: number[];
  offset: number;
}

const reason = (x: unknown) => (x as { unavailable: string }).unavailable;

export class Inspector {
  private readonly held = new Map<string, Held>();
  private readonly cache: TensorCache<Float32Array>;
  private next = 0;
  private readonly weights: ModelWeights;
  private readonly wholePassQuantization: boolean;

  /** The session with the promoted outputs, opened the first time attention or the lens asks for them. */
  private views: Promise<ort.InferenceSession> | undefined;

  private constructor(
    private readonly model: InspectableModel,
    graph: OnnxGraph,
    private readonly anatomy: DecoderAnatomy,
    /** Runs prediction passes (logits only): the model's own session when it offers one. */
    private readonly predictions: ort.InferenceSession | undefined,
    private readonly openViews: () => Promise<ort.InferenceSession>,
    /** Each position's statistics from its row of logits, in ONNX Runtime. */
    private readonly rowStats: RowStats,
    private readonly budgetBytes: number,
    /** The most logits one pass makes at once (see logitRows). */
    private readonly logitsChunkBytes: number,
  ) {
    this.wholePassQuantization = graph.node.some((n) => n.opType === 'DynamicQuantizeLinear');
    this.cache = new TensorCache(budgetBytes);
    // the run graph's weight references resolve against its own folder (the real files behind any links)
    const run = model.runGraph;
    const source = run
      ? { ...model, onnxPath: join(run.externalDataFolder, basename(model.onnxPath)) }
      : model;
    this.weights = new ModelWeights(source, graph, anatomy);
  }

  static async create(
    model: InspectableModel,
    options: { cacheDir: string; budgetBytes?: number; logitsChunkBytes?: number },
  ): Promise<Inspector> {
    const run = model.runGraph;
    const graph = run?.graph ?? decodeGraph(readFileSync(model.onnxPath));
    const anatomy = analyseDecoder(graph, model.dims);
    const promoted = inspectionOutputs(anatomy);
    const openViews = () => {
      const edited: EditedModel = run
        ? {
            bytes: Buffer.concat([run.bytes, graphOutputsAppendix(promoted)]),
            externalDataFolder: run.externalDataFolder,
          }
        : promoted.length
          ? promoteOutputs(model.onnxPath, graph, promoted, options.cacheDir)
          : { path: model.onnxPath };
      return model.openSession(edited);
    };
    const own = model.ownSession;
    const rowStats = new RowStats(await model.openCpuSession(rowStatsModel()));
    try {
      const ins = new Inspector(
        model,
        graph,
        anatomy,
        own,
        openViews,
        rowStats,
        options.budgetBytes ?? 256 * 2 ** 20,
        options.logitsChunkBytes ?? 64 * 2 ** 20,
      );
      if (!own) await ins.viewsSession(); // no session of the model's own to predict with: open this one now
      return ins;
    } catch (e) {
      await rowStats.release(); // no inspector will ever dispose it
      throw e;
    }
  }

  /** The session with the promoted outputs (a second copy of the weights: opened only when a view needs it). */
  private viewsSession(): Promise<ort.InferenceSession> {
    if (!this.views) {
      const opening = this.openViews();
      opening.catch(() => {
        if (this.views === opening) this.views = undefined; // the next request tries again
      });
      this.views = opening;
    }
    return this.views;
  }

  async inspect(text: string, options: { topK?: number } = {}): Promise<InspectResult> {
    const k = options.topK ?? 10;
    const t0 = performance.now();
    const all = this.model.tokenize(text);
    const bos = this.model.bosId;
    const offset = bos === undefined ? 0 : 1;
    const byContext = this.model.dims.contextLength - offset;
    const byMemory = this.maxTokensForMemory() - offset;
    const limit = Math.min(byContext, byMemory);
    const tokens = all.slice(0, limit);
    const ids = [...(bos === undefined ? [] : [bos]), ...tokens.map((t) => t.id)];
    const t1 = performance.now();
    const V = this.model.dims.vocab;
    const positions: (InspectPosition | null)[] = tokens.map(() => null);
    let statsMs = 0; // spent on the rows' statistics, between the passes
    // logits row r predicts ids[r + 1], which is tokens[r + 1 - offset]
    await this.logitRows(ids, async (rows, first) => {
      const s0 = performance.now();
      const count = Math.min(ids.length - first, Math.floor(rows.length / V));
      const actual = Array.from({ length: count }, (_, j) => tokens[first + j + 1 - offset]?.id);
      const stats = await this.rowStats.of(rows, V, actual, k);
      stats.forEach((s, j) => {
        if (s) positions[first + j + 1 - offset] = this.named(s);
      });
      statsMs += performance.now() - s0;
    });
    const t2 = performance.now();
    const handle = `i${this.next++}`;
    this.held.set(handle, { ids, offset });
    while (this.held.size > 8) this.release(this.held.keys().next().value as string);
    const lensOk = this.lensUnavailable();
    return {
      handle,
      tokens,
      positions,
      bos: bos === undefined ? null : { id: bos, text: this.model.tokenText(bos) },
      layers: this.model.dims.layers,
      heads: this.model.dims.heads,
      truncated:
        all.length > tokens.length
          ? {
              totalTokens: all.length,
              inspectedChars: tokens.at(-1)?.end ?? 0,
              limit: byMemory < byContext ? 'memory' : 'context',
            }
          : null,
      attention: isAvailable(this.anatomy.attention)
        ? { available: true }
        : { available: false, reason: reason(this.anatomy.attention) },
      lens: lensOk ? { available: false, reason: lensOk } : { available: true },
      embeddings: isAvailable(this.anatomy.embedding)
        ? { available: true }
        : { available: false, reason: reason(this.anatomy.embedding) },
      timings: { tokenizeMs: t1 - t0, forwardMs: t2 - t1 - statsMs, statsMs },
    };
  }

  /** Attention probabilities [n, n] (n = tokens + BOS) of one head, or the mean over heads. */
  async attention(
    handle: string,
    layer: number,
    head: number | 'mean',
  ): Promise<{ size: number; data: Float32Array }> {
    const { ids } = this.get(handle);
    if (!isAvailable(this.anatomy.attention))
      throw new InspectError('unavailable', `attention unavailable: ${reason(this.anatomy.attention)}`);
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.model.dims.layers) {
      throw new InspectError('out-of-range', `layer ${layer} out of range 0..${this.model.dims.layers - 1}`);
    }
    const H = this.model.dims.heads;
    if (head !== 'mean' && !(Number.isInteger(head) && head >= 0 && head < H)) {
      throw new InspectError('out-of-range', `head ${head} out of range 0..${H - 1}`);
    }
    const all = await this.layerProbabilities(handle, ids, layer);
    const n = ids.length;
    if (all.length !== H * n * n)
      throw new Error(`layer ${layer} attention has ${all.length} values, expected ${H * n * n}`);
    if (head !== 'mean') return { size: n, data: all.slice(head * n * n, (head + 1) * n * n) };
    const mean = new Float32Array(n * n);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < n * n; i++) mean[i] = (mean[i] as number) + (all[h * n * n + i] as number) / H;
    return { size: n, data: mean };
  }

  /** Every layer's and head's matrix averaged down to size x size blocks: [layers, heads, size, size]. */
  async thumbnails(handle: string, size: number): Promise<{ size: number; data: Float32Array }> {
    const { ids } = this.get(handle);
    const { layers, heads } = this.model.dims;
    const n = ids.length;
    const s = Math.max(1, Math.min(size, n));
    const out = new Float32Array(layers * heads * s * s);
    const att = this.anatomy.attention;
    if ('kind' in att && layers * heads * n * n * 4 <= this.budgetBytes / 4) {
      // small enough: one run for all layers; else one layer at a time below, each freed from the cache in turn
      await this.cachedMany(
        handle,
        ids,
        att.kind === 'softmax' ? att.outputs : att.layers.map((l) => l.query),
      );
    }
    const counts = new Float32Array(s * s);
    const cellOf = (i: number, j: number) => Math.floor((i * s) / n) * s + Math.floor((j * s) / n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) counts[cellOf(i, j)] = (counts[cellOf(i, j)] as number) + 1;
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const { data } = await this.attention(handle, l, h);
        const base = (l * heads + h) * s * s;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            const cell = cellOf(i, j);
            out[base + cell] =
              (out[base + cell] as number) + (data[i * n + j] as number) / (counts[cell] as number);
          }
        }
      }
    }
    return { size: s, data: out };
  }

  /**
   * Every row of logits over `ids`, handed to `visit` a chunk of rows at a time: one pass when all rows fit
   * `logitsChunkBytes`, else chunks fed after the previous ones' KV cache, so a 151,936-token vocabulary never holds
   * [positions, vocab] at once. A graph that quantizes activations over the whole pass (DynamicQuantizeLinear) is
   * always run in one pass: its numbers depend on what else is in the pass.
   */
  private async logitRows(
    ids: number[],
    visit: (rows: Float32Array, first: number) => Promise<void>,
  ): Promise<void> {
    if (ids.length === 0) return;
    const rowBytes = 4 * this.model.dims.vocab;
    const chunk = Math.max(1, Math.floor(this.logitsChunkBytes / rowBytes));
    if (ids.length <= chunk || !this.model.runChunks || this.wholePassQuantization) {
      await visit(await this.logitsOf(ids), 0);
      return;
    }
    await this.model.runChunks(this.predictions ?? (await this.viewsSession()), ids, chunk, visit);
  }

  /**
   * The most tokens (BOS included) one inspection may hold: a layer's attention, [heads, n, n] float32, must fit in a
   * quarter of the budget (the graph makes one such tensor per layer while it runs, and the views keep a few).
   */
  private maxTokensForMemory(): number {
    return Math.max(16, Math.floor(Math.sqrt(this.budgetBytes / 4 / (4 * this.model.dims.heads))));
  }

  /** What each layer would predict for tokens[position] (embedding output first, the final layer last). */
  async lens(handle: string, position: number, k = 10): Promise<LensLayerResult[]> {
    const { ids, offset } = this.get(handle);
    const why = this.lensUnavailable();
    if (why) throw new InspectError('unavailable', `logit lens unavailable: ${why}`);
    const row = position + offset - 1;
    if (!Number.isInteger(position) || row < 0 || position + offset >= ids.length) {
      throw new InspectError('out-of-range', `position ${position} has no prediction to look at`);
    }
    const actual = ids[position + offset] as number;
    const { norm, head } = this.weights.lens();
    const d = this.model.dims.hidden;
    const out: LensLayerResult[] = [];
    const residual = await this.residualStream(handle, ids);
    for (const [layer, states] of residual.entries()) {
      const h = states.subarray(row * d, (row + 1) * d);
      const stats = this.named(positionStats(lensLogits(h, norm, head, states), actual, k));
      out.push({ layer, top: stats.top, rank: stats.rank, prob: Math.exp(stats.logprob) });
    }
    return out;
  }

  /** Every layer's residual stream [n, hidden], summing the parts of a link the graph does not materialise. */
  private async residualStream(handle: string, ids: number[]): Promise<Float32Array[]> {
    const links = this.anatomy.residual as ResidualLink[];
    const tensors = await this.cachedMany(handle, ids, links.flat());
    let next = 0;
    return links.map((link) => {
      if (!Array.isArray(link)) return tensors[next++] as Float32Array;
      const parts = link.map(() => tensors[next++] as Float32Array);
      const sum = Float32Array.from(parts[0] as Float32Array);
      for (const p of parts.slice(1))
        for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (p[i] as number);
      return sum;
    });
  }

  /** The k tokens whose input embeddings are closest to `id`'s by cosine similarity (itself first). */
  neighbours(id: number, k = 10): { id: number; text: string; cosine: number }[] {
    if (!isAvailable(this.anatomy.embedding))
      throw new InspectError('unavailable', `embeddings unavailable: ${reason(this.anatomy.embedding)}`);
    const { vocab: V, hidden: d } = this.model.dims;
    if (!Number.isInteger(id) || id < 0 || id >= V)
      throw new InspectError('out-of-range', `token id ${id} out of range 0..${V - 1}`);
    const { weights, norms } = this.weights.embeddings();
    const sims = new Float32Array(V);
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (weights[v * d + i] as number) * (weights[id * d + i] as number);
      sims[v] = s / ((norms[v] as number) * (norms[id] as number));
    }
    return topK(sims, k).map((v) => ({ id: v, text: this.model.tokenText(v), cosine: sims[v] as number }));
  }

  private named(stats: PositionStats): InspectPosition {
    return { ...stats, top: stats.top.map((t) => ({ ...t, text: this.model.tokenText(t.id) })) };
  }

  release(handle: string): void {
    this.held.delete(handle);
    this.cache.deletePrefix(`${handle}:`);
  }

  /** Frees every held result, the views session and the statistics session. */
  async dispose(): Promise<void> {
    this.held.clear();
    this.cache.deletePrefix('');
    const views = this.views;
    this.views = undefined;
    if (views) await (await views.catch(() => undefined))?.release();
    await this.rowStats.release();
  }

  get cachedBytes(): number {
    return this.cache.usedBytes;
  }

  private get(handle: string): Held {
    const h = this.held.get(handle);
    if (!h)
      throw new InspectError(
        'inspection-gone',
        `inspection ${handle} is gone (released or evicted): inspect again`,
      );
    return h;
  }

  /** Logits of one full pass, on the prediction session. */
  private async logitsOf(ids: number[]): Promise<Float32Array> {
    const out = await this.model.run(this.predictions ?? (await this.viewsSession()), ids, ['logits']);
    return out.logits as Float32Array;
  }

  /** Promoted tensors of one full pass, on the views session. */
  private async fetchMany(ids: number[], names: string[]): Promise<Float32Array[]> {
    const out = await this.model.run(await this.viewsSession(), ids, names);
    return names.map((name) => {
      const data = out[name];
      if (!data) throw new Error(`the model did not return ${name}`);
      return data;
    });
  }

  private async cached(handle: string, ids: number[], name: string): Promise<Float32Array> {
    return (await this.cachedMany(handle, ids, [name]))[0] as Float32Array;
  }

  /** The named tensors of one inspection, fetching every missing one in a single run. */
  private async cachedMany(handle: string, ids: number[], names: string[]): Promise<Float32Array[]> {
    const hits = names.map((name) => this.cache.get(`${handle}:${name}`));
    const missing = names.filter((_, i) => !hits[i]);
    if (missing.length === 0) return hits as Float32Array[];
    const fetched = new Map<string, Float32Array>();
    (await this.fetchMany(ids, missing)).forEach((data, i) => {
      fetched.set(missing[i] as string, data);
      this.cache.set(`${handle}:${missing[i]}`, data);
    });
    return names.map((name, i) => hits[i] ?? (fetched.get(name) as Float32Array));
  }

  /** [heads, n, n] probabilities of one layer: a promoted Softmax output, or replayed from Q and the key cache. */
  private async layerProbabilities(handle: string, ids: number[], layer: number): Promise<Float32Array> {
    const att = this.anatomy.attention;
    if (!('kind' in att)) throw new InspectError('unavailable', `attention unavailable: ${att.unavailable}`);
    if (att.kind === 'softmax') return this.cached(handle, ids, att.outputs[layer] as string);
    const key = `${handle}:replay:${layer}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const spec = att.layers[layer] as FusedAttention;
    const [q, k] = await this.cachedMany(handle, ids, [spec.query, spec.presentKey]);
    const n = ids.length;
    const H = spec.heads;
    const hd = this.model.dims.headDim;
    // packed QKV rows hold every head's query, then the keys and values: keep the queries
    const width = (q as Float32Array).length / n;
    if (width !== H * hd && width !== (H + 2 * spec.kvHeads) * hd)
      throw new Error(
        `layer ${layer}'s query rows hold ${width} values, not ${H} heads of ${hd} (nor packed QKV)`,
      );
    const own = width === H * hd ? (q as Float32Array) : new Float32Array(n * H * hd);
    if (own !== q)
      for (let i = 0; i < n; i++)
        own.set((q as Float32Array).subarray(i * width, i * width + H * hd), i * H * hd);
    const queries = rotateQueries(own, H, hd, this.weights.rotary(spec));
    // the key cache may be allocated for the whole context (a shared past/present buffer): the first n rows are ours
    const total = (k as Float32Array).length / (spec.kvHeads * hd);
    const out = new Float32Array(H * n * n);
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / (H / spec.kvHeads));
      const probs = replayHead(
        queries.subarray(h * n * hd, (h + 1) * n * hd),
        (k as Float32Array).subarray(kv * total * hd, kv * total * hd + n * hd),
        hd,
        spec.scale ?? 1 / Math.sqrt(hd),
      );
      out.set(probs, h * n * n);
    }
    this.cache.set(key, out);
    return out;
  }

  private lensUnavailable(): string | undefined {
    for (const part of [this.anatomy.residual, this.anatomy.lmHead, this.anatomy.finalNorm]) {
      if (!isAvailable(part)) return reason(part);
    }
    return undefined;
  }
}
