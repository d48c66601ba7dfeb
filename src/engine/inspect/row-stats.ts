// Next-token statistics of many rows of logits at once: a small ONNX graph (softmax, Σp·l, top-k) that ONNX Runtime
// runs on its own threads with vectorised exp, instead of a JavaScript loop over the whole vocabulary per row.
import * as ort from 'onnxruntime-node';
import type { PositionStats } from './next-token-stats';
import { encodeModel } from './onnx-proto';

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/**
 * The statistics graph: logits [rows, vocab], each row's actual next token [rows, 1] and k [1] in; per row the actual
 * token's logit and how many logits are above it, the expected gap to the largest logit Σ p·(l - l_max), and the k
 * largest logits with their ids and probabilities out. The log-sum-exp follows from the top token
 * (lse = l_max - ln p_max) and the entropy from both (H = lse - Σ p·l = -ln p_max - Σ p·(l - l_max)), so the graph
 * never materialises log-probabilities, and its float32 sum adds terms near zero rather than near the logits.
 */
export function rowStatsModel(): Uint8Array {
  return encodeModel({
    opset: 18,
    inputs: [
      { name: 'logits', elemType: FLOAT, dims: ['rows', 'vocab'] },
      { name: 'actual', elemType: INT64, dims: ['rows', 1] },
      { name: 'k', elemType: INT64, dims: [1] },
    ],
    outputs: [
      { name: 'actual_logit', elemType: FLOAT, dims: ['rows', 1] },
      { name: 'above_actual', elemType: INT32, dims: ['rows'] },
      { name: 'expected_gap', elemType: FLOAT, dims: ['rows'] },
      { name: 'top_logits', elemType: FLOAT, dims: ['rows', 'k'] },
      { name: 'top_ids', elemType: INT64, dims: ['rows', 'k'] },
      { name: 'top_probs', elemType: FLOAT, dims: ['rows', 'k'] },
    ],
    initializers: [
      {
        name: 'last_axis',
        dims: [1],
        dataType: INT64,
        rawData: new Uint8Array(BigInt64Array.of(-1n).buffer),
      },
    ],
    nodes: [
      { opType: 'GatherElements', input: ['logits', 'actual'], output: ['actual_logit'], ints: { axis: -1 } },
      { opType: 'Greater', input: ['logits', 'actual_logit'], output: ['above'] },
      { opType: 'Cast', input: ['above'], output: ['above_int'], ints: { to: INT32 } },
      {
        opType: 'ReduceSum',
        input: ['above_int', 'last_axis'],
        output: ['above_actual'],
        ints: { keepdims: 0 },
      },
      { opType: 'Softmax', input: ['logits'], output: ['probs'], ints: { axis: -1 } },
      {
        opType: 'TopK',
        input: ['logits', 'k'],
        output: ['top_logits', 'top_ids'],
        ints: { axis: -1, largest: 1, sorted: 1 },
      },
      // the largest logit, from the k kept (k >= 1) rather than another pass over the vocabulary
      {
        opType: 'ReduceMax',
        input: ['top_logits', 'last_axis'],
        output: ['max_logit'],
        ints: { keepdims: 1 },
      },
      { opType: 'Sub', input: ['logits', 'max_logit'], output: ['centred'] },
      { opType: 'Mul', input: ['probs', 'centred'], output: ['weighted'] },
      {
        opType: 'ReduceSum',
        input: ['weighted', 'last_axis'],
        output: ['expected_gap'],
        ints: { keepdims: 0 },
      },
      { opType: 'GatherElements', input: ['probs', 'top_ids'], output: ['top_probs'], ints: { axis: -1 } },
    ],
  });
}

/**
 * Runs the statistics graph on a session opened from rowStatsModel(), at most `batchBytes` of logits per run: the
 * graph's [rows, vocab] intermediates (probabilities, the products summed, the comparison with the actual token) stay
 * in the session's memory arena after a run, so a run over a whole 64 MiB chunk would keep four times that.
 */
export class RowStats {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly batchBytes = 8 * 2 ** 20,
  ) {}

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }

  /**
   * Statistics of each row of `rows` ([actual.length, vocab]): row j's actual next token is actual[j]; a row without
   * one (undefined) gives null. Top entries come most likely first; equal logits keep the lower id first.
   */
  async of(
    rows: Float32Array,
    vocab: number,
    actual: (number | undefined)[],
    k: number,
  ): Promise<(PositionStats | null)[]> {
    const n = actual.length;
    if (rows.length < n * vocab) throw new Error(`${rows.length} logits cannot hold ${n} rows of ${vocab}`);
    const batch = Math.max(1, Math.floor(this.batchBytes / (4 * vocab)));
    const stats: (PositionStats | null)[] = [];
    for (let first = 0; first < n; first += batch) {
      const part = actual.slice(first, first + batch);
      stats.push(...(await this.batch(rows.subarray(first * vocab), vocab, part, k)));
    }
    return stats;
  }

  private async batch(
    rows: Float32Array,
    vocab: number,
    actual: (number | undefined)[],
    k: number,
  ): Promise<(PositionStats | null)[]> {
    const n = actual.length;
    const kept = Math.min(Math.max(1, k), vocab); // the top token gives the log-sum-exp, so at least one
    const out = await this.session.run({
      logits: new ort.Tensor('float32', rows.subarray(0, n * vocab), [n, vocab]),
      actual: new ort.Tensor(
        'int64',
        BigInt64Array.from(actual, (id) => BigInt(id ?? 0)),
        [n, 1],
      ),
      k: new ort.Tensor('int64', BigInt64Array.of(BigInt(kept)), [1]),
    });
    const actualLogit = out.actual_logit?.data as Float32Array;
    const above = out.above_actual?.data as Int32Array;
    const gap = out.expected_gap?.data as Float32Array;
    const topLogits = out.top_logits?.data as Float32Array;
    const topIds = out.top_ids?.data as BigInt64Array;
    const topProbs = out.top_probs?.data as Float32Array;
    return actual.map((id, j) => {
      if (id === undefined) return null;
      const minusLnPMax = -Math.log(topProbs[j * kept] as number);
      const lse = (topLogits[j * kept] as number) + minusLnPMax;
      const top: PositionStats['top'] = [];
      for (let t = 0; t < Math.min(k, kept); t++) {
        const at = j * kept + t;
        top.push({ id: Number(topIds[at]), prob: Math.exp((topLogits[at] as number) - lse) });
      }
      return {
        logprob: (actualLogit[j] as number) - lse,
        rank: 1 + (above[j] as number),
        entropy: minusLnPMax - (gap[j] as number),
        top,
      };
    });
  }
}
