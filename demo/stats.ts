// Small statistics helpers: a demo file for Glassbox.

export function mean(values: number[]): number {
  if (values.length === 0) throw new Error('mean of an empty list');
  return values.reduce((sum, x) => sum + x, 0) / values.length;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[middle]!;
}

export function histogram(values: number[], bins: number): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const counts = new Array<number>(bins).fill(0);
  for (const x of values) {
    const i = Math.min(bins - 1, Math.floor(((x - min) / (max - min || 1)) * bins));
    counts[i]! += 1;
  }
  return counts;
}
