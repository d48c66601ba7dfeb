// The memory-bandwidth ceiling of decoding: weight bytes one token reads, and this machine's measured read bandwidth.
import type { OnnxGraph } from '../src/engine/inspect/onnx-proto';

/** Bytes of an initializer: its external data length, else its raw data, else its typed values. */
function tensorBytes(t: OnnxGraph['initializer'][number]): number {
  const length = t.externalData.find((e) => e.key === 'length')?.value;
  if (length !== undefined) return Number(length);
  return t.rawData?.byteLength ?? 4 * (t.floatData.length + t.int32Data.length);
}

/**
 * Weight bytes one decoded token reads: every initializer, except tables that are only looked up (a Gather's data
 * input: one row per token, not the table).
 */
export function weightBytesPerToken(graph: OnnxGraph): { bytes: number; lookupTables: number } {
  const gathered = new Set(
    graph.node
      .filter((n) => n.opType === 'Gather' || n.opType === 'GatherBlockQuantized')
      .map((n) => n.input[0]),
  );
  const readers = new Map<string, string[]>();
  for (const n of graph.node) for (const i of n.input) readers.set(i, [...(readers.get(i) ?? []), n.opType]);
  let bytes = 0;
  let lookupTables = 0;
  for (const t of graph.initializer) {
    const onlyLookedUp =
      gathered.has(t.name) && (readers.get(t.name) ?? []).every((op) => op.startsWith('Gather'));
    if (onlyLookedUp) lookupTables += tensorBytes(t);
    else bytes += tensorBytes(t);
  }
  return { bytes, lookupTables };
}

/**
 * This machine's memory read bandwidth in GB/s, measured: the best of a few one-thread sums over 512 MiB (more than
 * any cache) and of copying it (memcpy reads and writes each byte: counted as read bandwidth of the bytes read).
 */
export function measuredReadBandwidth(): { sumGBps: number; copyGBps: number } {
  const n = 64 * 2 ** 20; // 64 Mi doubles = 512 MiB
  const a = new Float64Array(n).fill(1);
  const b = new Float64Array(n);
  let sumGBps = 0;
  let copyGBps = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    let s = 0;
    for (let i = 0; i < n; i += 4)
      s += (a[i] as number) + (a[i + 1] as number) + (a[i + 2] as number) + (a[i + 3] as number);
    const t1 = performance.now();
    if (s !== n) throw new Error('bandwidth: the sum is wrong');
    sumGBps = Math.max(sumGBps, (8 * n) / ((t1 - t0) * 1e6));
    const t2 = performance.now();
    b.set(a);
    const t3 = performance.now();
    copyGBps = Math.max(copyGBps, (8 * n) / ((t3 - t2) * 1e6));
  }
  return { sumGBps, copyGBps };
}
