// The inspector's numbers for display (kept unrounded everywhere else): probabilities, bits, ranks, ms, surprisal levels.
import type { InspectPosition } from '../../src/protocol/engine-methods';

/** Surprisal −log₂ p in bits from a natural-log probability. */
export const surprisalBits = (logprob: number): number => -logprob / Math.LN2;

/** Entropy in nats to bits. */
export const natsToBits = (nats: number): number => nats / Math.LN2;

/** Surprisal at which the continuous colour scale is full. */
export const SURPRISAL_FULL_BITS = 16;

/** 0..1 for the surprisal colour scale. */
export function surprisalLevel(position: InspectPosition | null): number {
  if (!position) return 0;
  return Math.min(1, Math.max(0, surprisalBits(position.logprob) / SURPRISAL_FULL_BITS));
}

/** A probability as a percentage with three significant digits ("12.3%", "0.0456%", "< 0.001%"). */
export function percent(p: number): string {
  if (!Number.isFinite(p)) return '–';
  const v = p * 100;
  if (v === 0) return '0%';
  if (v < 0.001) return '< 0.001%';
  if (v >= 99.95 && v < 100) return '> 99.9%';
  return `${v >= 10 ? v.toFixed(1) : v.toPrecision(3)}%`;
}

export const bits = (b: number): string => `${b.toFixed(2)} bits`;

export const count = (n: number): string => n.toLocaleString('en-US');

export function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

/** "1 token", "2 tokens". */
export const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
