// Next-token sampling side by side: the full path (distribution() + drawIndex) against Sampler.next, ms per token.
// Run: node --import tsx bench/sampling.ts [--vocab 151936] [--tokens 40] [--runs 5]
// (no model needed: seeded Gaussian logits rows, peaked and flat, interleaved old/new in one run)
import { createRng, distribution, drawIndex, Sampler } from '../src/engine/generation/sampling';
import type { SamplingParams } from '../src/protocol/engine-methods';

export interface SamplingFigure {
  setting: string;
  row: string;
  oldMs: number;
  newMs: number;
  /** Tokens the two paths chose differently (must be 0: the fast path draws what the full path drew). */
  mismatches: number;
}

export const SETTINGS: [string, SamplingParams][] = [
  [
    'Qwen2.5 generation_config (t 0.7, top-k 20, top-p 0.8, rep 1.05)',
    { temperature: 0.7, topK: 20, topP: 0.8, repetitionPenalty: 1.05 },
  ],
  ['chat (t 0.7, top-p 0.9)', { temperature: 0.7, topP: 0.9 }],
  ['top-k 20 only', { topK: 20 }],
  ['temperature 0.7 only', { temperature: 0.7 }],
];

function gaussians(V: number, seed: number, sigma: number): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(V);
  for (let i = 0; i < V; i++)
    x[i] = sigma * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return x;
}

export const ROWS: [string, (V: number, seed: number) => Float32Array][] = [
  // a confident step: a few tokens far above a noisy tail (the top token takes most of the mass)
  [
    'peaked',
    (V, seed) => {
      const x = gaussians(V, seed, 2);
      const rng = createRng(seed + 1);
      for (const bump of [16, 14, 13.5, 12]) x[Math.floor(rng() * V)] = bump;
      return x;
    },
  ],
  // an unsure step: the whole vocabulary within a few nats (top-p keeps tens of thousands of tokens)
  ['flat', (V, seed) => gaussians(V, seed, 1)],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** ms per token of both paths on `tokens` rows of one kind, alternating old and new per run. */
export function benchSampling(V: number, tokens: number, runs: number): SamplingFigure[] {
  const out: SamplingFigure[] = [];
  const seen = Array.from({ length: 200 }, (_, i) => (i * 7919) % V);
  for (const [setting, o] of SETTINGS) {
    for (const [row, make] of ROWS) {
      const rows = Array.from({ length: Math.min(tokens, 8) }, (_, s) => make(V, 1000 * s + 1));
      const olds: number[] = [];
      const news: number[] = [];
      let mismatches = 0;
      for (let r = 0; r <= runs; r++) {
        const seed = 17 + r;
        const rng = createRng(seed);
        const chosenOld: number[] = [];
        let t0 = performance.now();
        for (let n = 0; n < tokens; n++) {
          chosenOld.push(drawIndex(distribution(rows[n % rows.length] as Float32Array, seen, o).probs, rng));
        }
        const oldMs = (performance.now() - t0) / tokens;
        const sampler = new Sampler({ ...o, seed });
        const chosenNew: number[] = [];
        t0 = performance.now();
        for (let n = 0; n < tokens; n++)
          chosenNew.push(sampler.next(rows[n % rows.length] as Float32Array, seen));
        const newMs = (performance.now() - t0) / tokens;
        mismatches += chosenOld.filter((id, n) => id !== chosenNew[n]).length;
        if (r === 0) continue; // warm-up
        olds.push(oldMs);
        news.push(newMs);
      }
      out.push({ setting, row, oldMs: median(olds), newMs: median(news), mismatches });
    }
  }
  return out;
}

function main(argv: string[]): void {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const V = arg('vocab', 151_936);
  const tokens = arg('tokens', 40);
  const runs = arg('runs', 5);
  console.log(
    `sampling, V = ${V}: ms per token, median of ${runs} runs of ${tokens} tokens (old: full path, new: Sampler.next)`,
  );
  for (const f of benchSampling(V, tokens, runs)) {
    console.log(
      `  ${f.setting}, ${f.row}: old ${f.oldMs.toFixed(3)} ms, new ${f.newMs.toFixed(3)} ms, ` +
        `old / new: ${(f.oldMs / f.newMs).toFixed(2)}x, different tokens: ${f.mismatches}`,
    );
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main(process.argv.slice(2));
