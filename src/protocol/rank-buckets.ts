// GLTR rank buckets (top-1, top-10, top-100, beyond) and rank -> bucket: the one table for the panel and the editor; import-free.

/** A bucket's stable id (CSS classes `b-<id>`, legend keys). */
export type RankBucketId = 'top1' | 'top10' | 'top100' | 'beyond';

export interface RankBucket {
  id: RankBucketId;
  /** The largest rank in the bucket (inclusive); the last bucket has Infinity. */
  maxRank: number;
  /** Short name for legends: "top-10". */
  label: string;
  /** What the bucket means, for tooltips. */
  title: string;
}

/** GLTR's buckets, best first: was the real token the model's first guess, in its top 10, top 100, or further down. */
export const RANK_BUCKETS: readonly RankBucket[] = [
  { id: 'top1', maxRank: 1, label: 'top-1', title: 'the model’s first guess (rank 1)' },
  { id: 'top10', maxRank: 10, label: 'top-10', title: 'rank 2 to 10' },
  { id: 'top100', maxRank: 100, label: 'top-100', title: 'rank 11 to 100' },
  { id: 'beyond', maxRank: Infinity, label: 'beyond', title: 'rank above 100' },
];

/** The index in RANK_BUCKETS of the bucket for a 1-based rank (a rank that is not a number falls in the last). */
export function rankBucketIndex(rank: number): number {
  // a rank a server did not give arrives as NaN, or as null through the webview's JSON: the last bucket
  if (typeof rank !== 'number' || Number.isNaN(rank)) return RANK_BUCKETS.length - 1;
  const i = RANK_BUCKETS.findIndex((b) => rank <= b.maxRank);
  return i < 0 ? RANK_BUCKETS.length - 1 : i;
}

/** The id of the bucket for a 1-based rank. */
export function rankBucket(rank: number): RankBucketId {
  return (RANK_BUCKETS[rankBucketIndex(rank)] as RankBucket).id;
}
