// The Sampler's fast path: the token distribution() + drawIndex would draw, without processing the whole vocabulary.
import type { SamplingParams } from '../../protocol/engine-methods';

/** Kept ids (ascending) and the probabilities the draw walked. */
export interface Kept {
  ids: number[];
  probs: number[];
}

/** The fast path cannot answer for sure (or the row or an option is unusable): run the full path instead. */
export const FULL_PATH = -1;

/** Top-k at most this, and at most this many survivors (ties), take the exact small path. */
const SMALL_K = 1024;
const SMALL_SURVIVORS = 4096;
/** A kept set this small is drawn from with the exact arithmetic of the full path. */
const SMALL_KEPT = 1024;

// exp(d) for d <= 0, used only where a certified margin decides: d = -n / STEPS + r, |r| <= 1 / (2 STEPS),
// exp(d) = TABLE[n] * (1 + r + r^2/2 + r^3/6); relative error below 1e-12 (the r^4/24 term is 6.2e-13).
const STEPS = 256;
const RANGE = 64; // d < -RANGE counts as 0: exp(-64) = 1.6e-28 at most per token, and all of it goes into the margin
const BINS = (RANGE + 1) * STEPS + 1; // bins beyond RANGE * STEPS hold the tail, at exp 0
const TABLE = Float64Array.from({ length: BINS }, (_, n) => (n <= RANGE * STEPS ? Math.exp(-n / STEPS) : 0));
const EXP_ERROR = 1e-12;
const U = 2 ** -53;

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The float32 just below `x` (finite x). */
function below32(x: number): number {
  f32[0] = x;
  if (x === 0) return -(2 ** -149);
  i32[0] = (i32[0] as number) + (x > 0 ? -1 : 1);
  return f32[0] as number;
}

/** Seen ids in range, ascending, with their penalised logits (float32, as the full path stores them). */
interface Penalised {
  ids: Int32Array;
  vals: Float64Array;
}

function penalise(row: Float32Array, seen: Iterable<number>, penalty: number): Penalised | undefined {
  if (!(penalty > 0 && penalty < Infinity)) return undefined; // the full path refuses it
  if (penalty === 1) return { ids: new Int32Array(0), vals: new Float64Array(0) };
  const ids: number[] = [];
  for (const id of new Set(seen)) if (Number.isInteger(id) && id >= 0 && id < row.length) ids.push(id + 0);
  ids.sort((a, b) => a - b);
  const vals = new Float64Array(ids.length);
  for (let j = 0; j < ids.length; j++) {
    const v = row[ids[j] as number] as number;
    const w = Math.fround(v < 0 ? v * penalty : v / penalty);
    if (w === Infinity) return undefined; // overflow: leave the oddity to the full path
    vals[j] = w;
  }
  return { ids: Int32Array.from(ids), vals };
}

/** The logit at `i` after the penalty. */
function effective(row: Float32Array, pen: Penalised, i: number): number {
  let lo = 0;
  let hi = pen.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((pen.ids[mid] as number) < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < pen.ids.length && pen.ids[lo] === i ? (pen.vals[lo] as number) : (row[i] as number);
}

const ONE = new Float32Array(1);

/**
 * Runs `scan(src, from, to, offset)` over the row's penalised logits, in index order: plain stretches of `row`,
 * and each penalised id as a one-element array (its id is `offset`). Hot loops stay free of rare branches.
 */
function segments(
  row: Float32Array,
  pen: Penalised,
  scan: (src: Float32Array, from: number, to: number, offset: number) => void,
): void {
  let from = 0;
  for (let q = 0; q < pen.ids.length; q++) {
    const id = pen.ids[q] as number;
    scan(row, from, id, 0);
    ONE[0] = pen.vals[q] as number;
    scan(ONE, 0, 1, id);
    from = id + 1;
  }
  scan(row, from, row.length, 0);
}

/** Tempered values of src[from..to) into Y (at offset); returns the largest, or NaN when one is NaN or +Infinity. */
function temperScan(
  src: Float32Array,
  from: number,
  to: number,
  offset: number,
  t: number,
  Y: Float32Array,
  max: number,
): number {
  for (let i = from; i < to; i++) {
    const v = src[i] as number;
    if (!(v < Infinity)) return NaN;
    const y = Math.fround(v / t); // the full path divides, then stores in a Float32Array
    Y[offset + i] = y;
    if (y > max) max = y;
  }
  return max;
}

/** Pushes onto `out` the ids of src[from..to) whose value is at least v0 (their id is offset + index). */
function atLeast(
  src: Float32Array,
  from: number,
  to: number,
  offset: number,
  v0: number,
  out: number[],
): void {
  for (let i = from; i < to; i++) if ((src[i] as number) >= v0) out.push(offset + i);
}

/** Bounded min-heap of the k largest values seen (with multiplicity), and the ids that may still reach them. */
class TopK {
  heap: Float64Array;
  size = 0;
  hmin = -Infinity;
  max = -Infinity;
  bad = false;
  count = 0;
  ids: Int32Array;
  vals: Float64Array;
  constructor(readonly k: number) {
    this.heap = new Float64Array(k);
    this.ids = new Int32Array(4 * k + 64);
    this.vals = new Float64Array(4 * k + 64);
  }

  /** Keeps only the collected ids still at or above the heap's minimum; grows the buffers when that is not enough. */
  compact(): void {
    let w = 0;
    for (let j = 0; j < this.count; j++) {
      if ((this.vals[j] as number) >= this.hmin) {
        this.ids[w] = this.ids[j] as number;
        this.vals[w] = this.vals[j] as number;
        w++;
      }
    }
    this.count = w;
    if (w > this.ids.length / 2) {
      const ids = new Int32Array(this.ids.length * 2);
      const vals = new Float64Array(this.ids.length * 2);
      ids.set(this.ids.subarray(0, w));
      vals.set(this.vals.subarray(0, w));
      this.ids = ids;
      this.vals = vals;
    }
  }
}

function topKScan(src: Float32Array, from: number, to: number, offset: number, st: TopK): void {
  const { heap, k } = st;
  let { size, hmin, max, count } = st;
  for (let i = from; i < to; i++) {
    const v = src[i] as number;
    if (!(v < Infinity)) {
      st.bad = true;
      return;
    }
    if (v > max) max = v;
    if (size < k) {
      let c = size++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if ((heap[parent] as number) <= v) break;
        heap[c] = heap[parent] as number;
        c = parent;
      }
      heap[c] = v;
      if (size === k) hmin = heap[0] as number;
    } else if (v >= hmin) {
      if (v > hmin) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= k) break;
          const r = l + 1;
          const m = r < k && (heap[r] as number) < (heap[l] as number) ? r : l;
          if ((heap[m] as number) >= v) break;
          heap[c] = heap[m] as number;
          c = m;
        }
        heap[c] = v;
        hmin = heap[0] as number;
      }
    } else continue;
    if (count === st.ids.length) {
      st.hmin = hmin;
      st.count = count;
      st.compact();
      count = st.count;
    }
    st.ids[count] = offset + i;
    st.vals[count] = v;
    count++;
  }
  st.size = size;
  st.hmin = hmin;
  st.max = max;
  st.count = count;
}

/** Approximate exps of Y - m into E, their bins into N and their mass into `mass`; returns their sum. */
function expScan(
  Y: Float32Array,
  V: number,
  m: number,
  E: Float64Array,
  N: Uint16Array,
  mass: Float64Array,
): number {
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const d = (Y[i] as number) - m;
    const dc = d > -RANGE - 1 ? d : -RANGE - 1;
    const n = (0.5 - dc * STEPS) | 0;
    const r = dc + n * (1 / STEPS);
    const e = (TABLE[n] as number) * (1 + r * (1 + r * (0.5 + r * (1 / 6))));
    E[i] = e;
    N[i] = n;
    mass[n] = (mass[n] as number) + e;
    sum += e;
  }
  return sum;
}

/** Draws the uniform number on first call only (a path may still give up before it), telling `onDraw`. */
function draw(rng: () => number, onDraw: (u: number) => void): () => number {
  return () => {
    const u = rng();
    onDraw(u);
    return u;
  };
}

/**
 * Chooses the token the full path (distribution() then drawIndex with one rng() call) would choose, or answers
 * FULL_PATH. `onDraw` hears the uniform number when one was drawn, so that the full path can reuse it. Scratch
 * buffers live on the instance; one per Sampler.
 */
export class FastSampler {
  /** With `record`, the kept ids and their probabilities of the last answered call (for tests). */
  last: Kept | undefined;
  private readonly rec: ((k: Kept) => void) | undefined;
  constructor(private readonly record = false) {
    this.rec = record ? (k: Kept) => (this.last = k) : undefined;
  }

  private recordWalk(E: Float64Array, list: Int32Array | null, n: number, sum: number): void {
    if (!this.record) return;
    const ids = Array.from({ length: n }, (_, j) => (list ? (list[j] as number) : j));
    this.last = { ids, probs: ids.map((i) => (E[i] as number) / sum) };
  }
  private tempered = new Float32Array(0);
  private exps = new Float64Array(0);
  private bins = new Uint16Array(0);
  private flags = new Uint8Array(0);
  private list = new Int32Array(0);
  private readonly mass = new Float64Array(BINS);

  next(
    row: Float32Array,
    seen: Iterable<number>,
    o: SamplingParams,
    rng: () => number,
    onDraw: (u: number) => void,
  ): number {
    this.last = undefined;
    const V = row.length;
    const t = o.temperature ?? 1;
    const k = o.topK ?? 0;
    const p = o.topP ?? 1;
    if (!(t > 0 && t < Infinity) || V === 0) return FULL_PATH;
    if (k > 0 && k < V && !Number.isInteger(k)) return FULL_PATH;
    if (p < 1 && !(p > 0)) return FULL_PATH;
    const pen = penalise(row, seen, o.repetitionPenalty ?? 1);
    if (!pen) return FULL_PATH;
    if (k > 0 && k < V) {
      if (k > SMALL_K) return FULL_PATH;
      return this.small(row, pen, t, k, p, draw(rng, onDraw));
    }
    return this.large(row, pen, t, p, draw(rng, onDraw));
  }

  /** Top-k first (a bounded min-heap), then everything on the few survivors with the full path's arithmetic. */
  private small(row: Float32Array, pen: Penalised, t: number, k: number, p: number, u: () => number): number {
    const st = new TopK(k);
    segments(row, pen, (src, from, to, offset) => {
      if (!st.bad) topKScan(src, from, to, offset, st);
    });
    if (st.bad || !(st.max > -Infinity)) return FULL_PATH;
    const kth = st.heap[0] as number;
    const ids: number[] = [];
    const ys: number[] = [];
    const T = Math.fround(kth / t);
    if (kth > -Infinity && Math.fround(below32(kth) / t) >= T) {
      // temperature rounding ties logits just below the k-th with it: they stay too, as in the full path. The
      // smallest float32 that still reaches T is a few steps down; every logit from there on survives.
      let v0 = kth;
      for (let steps = 0; Math.fround(below32(v0) / t) >= T; steps++) {
        if (steps === 64) return FULL_PATH;
        v0 = below32(v0);
      }
      const found: number[] = [];
      segments(row, pen, (src, from, to, offset) => atLeast(src, from, to, offset, v0, found));
      if (found.length > SMALL_SURVIVORS) return FULL_PATH;
      found.sort((a, b) => a - b);
      for (const i of found) {
        ids.push(i);
        ys.push(Math.fround(effective(row, pen, i) / t));
      }
    } else {
      const order: number[] = [];
      for (let j = 0; j < st.count; j++) {
        if ((st.vals[j] as number) >= kth && (st.vals[j] as number) > -Infinity) order.push(j);
      }
      if (order.length > SMALL_SURVIVORS) return FULL_PATH;
      order.sort((a, b) => (st.ids[a] as number) - (st.ids[b] as number)); // penalised ids came in out of order
      for (const j of order) {
        ids.push(st.ids[j] as number);
        ys.push(Math.fround((st.vals[j] as number) / t));
      }
    }
    if (ys.length === 0 || !(Math.max(...ys) < Infinity)) return FULL_PATH;
    return exactFinish(ids, ys, row.length, p, u(), this.rec);
  }

  /**
   * No top-k: approximate exps with a certified error bound settle the top-p cut and the draw; wherever the margin
   * is too thin to be sure the full path would agree, FULL_PATH.
   */
  private large(row: Float32Array, pen: Penalised, t: number, p: number, u: () => number): number {
    const V = row.length;
    if (this.exps.length < V) {
      this.tempered = new Float32Array(V);
      this.exps = new Float64Array(V);
      this.bins = new Uint16Array(V);
      this.flags = new Uint8Array(V);
      this.list = new Int32Array(V);
    }
    const Y = this.tempered;
    let m = -Infinity;
    segments(row, pen, (src, from, to, offset) => {
      m = temperScan(src, from, to, offset, t, Y, m);
    });
    if (!(m > -Infinity && m < Infinity)) return FULL_PATH; // NaN, +Infinity, nothing above -Infinity, overflow
    const E = this.exps;
    const N = this.bins;
    const mass = this.mass;
    mass.fill(0);
    const sum = expScan(Y, V, m, E, N, mass);
    // |approximate normalised partial sum - the full path's|, bounded; the sum is >= 1 (the top token's exp)
    const margin = 4 * (EXP_ERROR + (V + 64) * U) + 4 * V * Math.exp(-RANGE);
    const tempered = (i: number) => Y[i] as number;

    if (!(p < 1)) {
      const x = u();
      this.recordWalk(E, null, V, sum);
      return walkAll(E, V, sum, x, margin);
    }

    // the top-p cut: ascending by probability, the first token whose cumulative sum exceeds 1 - p, and all above it
    const target = (1 - p) * sum;
    let acc = 0;
    let nb = BINS - 1;
    for (; nb >= 0; nb--) {
      const w = mass[nb] as number;
      if (acc + w > target) break;
      acc += w;
    }
    if (nb < 0) return FULL_PATH;
    // one pass: every id at or above bin nb + 1 (the kept ones and the cut's neighbours), ascending
    const list = this.list;
    const listed = atOrAbove(N, V, nb + 1, list);
    const near: number[] = [];
    for (let j = 0; j < listed; j++)
      if ((N[list[j] as number] as number) >= nb - 1) near.push(list[j] as number);
    const inBin = near.filter((i) => N[i] === nb);
    inBin.sort((a, b) => (E[a] as number) - (E[b] as number) || b - a);
    let cut = -1;
    let cum = acc;
    for (let j = 0; j < inBin.length; j++) {
      const prev = cum;
      cum += E[inBin[j] as number] as number;
      if (cum / sum > 1 - p) {
        if (!(prev / sum <= 1 - p - margin && cum / sum > 1 - p + margin)) return FULL_PATH;
        cut = j;
        break;
      }
    }
    if (cut < 0) return FULL_PATH;
    const b = inBin[cut] as number;
    const eb = E[b] as number;
    // the cut token must be a top-p candidate (probability >= (1 - p) / V) beyond doubt
    if (!(eb / sum > ((1 - p) / V) * (1 + 1e-9) + margin)) return FULL_PATH;
    // a token this close to the cut, other than an exact tie (the same logit), could be ordered otherwise
    const yb = tempered(b);
    for (const i of near) {
      if (i !== b && Math.abs((E[i] as number) - eb) <= 1e-9 * eb && tempered(i) !== yb) return FULL_PATH;
    }
    const flags = this.flags;
    for (let j = cut; j < inBin.length; j++) flags[inBin[j] as number] = 1;
    const kn = keepFlagged(N, flags, nb, list, listed);
    for (const i of inBin) flags[i] = 0;
    if (kn <= SMALL_KEPT) {
      const keptIds = Array.from(list.subarray(0, kn));
      return exactFinish(keptIds, keptIds.map(tempered), V, 1, u(), this.rec);
    }
    let sumKept = 0;
    for (let j = 0; j < kn; j++) sumKept += E[list[j] as number] as number;
    const x = u();
    this.recordWalk(E, list, kn, sumKept);
    return walkList(E, list, kn, sumKept, x, margin);
  }
}

/** Writes into `list` the ids whose bin is at most `top` (probability at or above it), ascending; returns how many. */
function atOrAbove(N: Uint16Array, V: number, top: number, list: Int32Array): number {
  let c = 0;
  for (let i = 0; i < V; i++) if ((N[i] as number) <= top) list[c++] = i;
  return c;
}

/** Keeps in `list` (in place, in order) the ids above bin nb and the flagged ids of bin nb; returns how many. */
function keepFlagged(
  N: Uint16Array,
  flags: Uint8Array,
  nb: number,
  list: Int32Array,
  listed: number,
): number {
  let kn = 0;
  for (let j = 0; j < listed; j++) {
    const i = list[j] as number;
    const n = N[i] as number;
    if (n < nb || (n === nb && flags[i] === 1)) list[kn++] = i;
  }
  return kn;
}

/**
 * The draw over approximate exps `E` (ids 0..n-1, or the ascending ids in `list`): the first id whose cumulative
 * probability exceeds u, when the margin makes the full path's choice certain; otherwise FULL_PATH.
 */
function walkAll(E: Float64Array, n: number, sum: number, u: number, margin: number): number {
  const x = u * sum;
  let cum = 0;
  for (let i = 0; i < n; i++) {
    const prev = cum;
    cum += E[i] as number;
    if (cum > x) return prev / sum <= u - margin && cum / sum > u + margin ? i : FULL_PATH;
  }
  return FULL_PATH;
}

function walkList(
  E: Float64Array,
  list: Int32Array,
  n: number,
  sum: number,
  u: number,
  margin: number,
): number {
  const x = u * sum;
  let cum = 0;
  for (let j = 0; j < n; j++) {
    const i = list[j] as number;
    const prev = cum;
    cum += E[i] as number;
    if (cum > x) return prev / sum <= u - margin && cum / sum > u + margin ? i : FULL_PATH;
  }
  return FULL_PATH;
}

/**
 * The full path's arithmetic on a few survivors (`ids` ascending, `ys` their tempered logits, every other token
 * masked): softmax, top-p with its candidate floor over the whole vocabulary `V`, the final softmax and the walk.
 */
function exactFinish(
  ids: number[],
  ys: number[],
  V: number,
  p: number,
  u: number,
  rec?: (k: Kept) => void,
): number {
  const n = ids.length;
  let m = -Infinity;
  for (const y of ys) if (y > m) m = y;
  const e = ys.map((y) => Math.exp(y - m));
  let keep: boolean[] = new Array<boolean>(n).fill(true);
  if (p < 1) {
    let sumAll = 0;
    for (const x of e) sumAll += x;
    const probs = e.map((x) => x / sumAll);
    const floor = (1 - p) / V;
    const candidates: number[] = [];
    let below = 0;
    for (let j = 0; j < n; j++) {
      if ((probs[j] as number) >= floor) candidates.push(j);
      else below += probs[j] as number;
    }
    candidates.sort((a, b) => (probs[a] as number) - (probs[b] as number) || b - a);
    keep = new Array<boolean>(n).fill(false);
    let cum = below;
    candidates.forEach((j, c) => {
      cum += probs[j] as number;
      if (cum > 1 - p || c === candidates.length - 1) keep[j] = true;
    });
  }
  let sum = 0;
  for (let j = 0; j < n; j++) if (keep[j]) sum += e[j] as number;
  if (rec) {
    const kept = ids.flatMap((_, j) => (keep[j] ? [j] : []));
    rec({ ids: kept.map((j) => ids[j] as number), probs: kept.map((j) => (e[j] as number) / sum) });
  }
  let cum = 0;
  let last = -1;
  for (let j = 0; j < n; j++) {
    if (!keep[j]) continue;
    const q = (e[j] as number) / sum;
    if (q <= 0) continue;
    cum += q;
    last = j;
    if (u < cum) return ids[j] as number;
  }
  return last < 0 ? FULL_PATH : (ids[last] as number);
}
