// Inspecting vs generating on one model: time of a 512-token inspection vs the prompt pass, and each one's peak memory.
// Run: node --import tsx bench/inspect-cost.ts --model DIR [--dtype q4] [--tokens 512] [--new-tokens 48] [--runs 3]
//      [--cpu-accuracy model|int8]   (a dev script: times interleaved in one process, each peak in a fresh one)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Inspector } from '../src/engine/inspect/inspector';
import { inspectableModel } from '../src/engine/inspect/loaded-model';
import { generate } from '../src/engine/generation/generate';
import { samplingDefaults } from '../src/engine/generation/generation-config';
import { emptyCache, runStep } from '../src/engine/model/forward';
import { loadModel } from '../src/engine/model/model';

const options = {
  model: { type: 'string' },
  dtype: { type: 'string' },
  tokens: { type: 'string', default: '512' },
  'new-tokens': { type: 'string', default: '48' },
  runs: { type: 'string', default: '3' },
  'cpu-accuracy': { type: 'string', default: 'int8' },
  measure: { type: 'string' },
} as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const peakMiB = () => process.resourceUsage().maxRSS / 1024;

type Kind = 'generate' | 'prompt-pass' | 'full-pass' | 'inspect' | 'inspect-attention';
const KINDS: Kind[] = ['generate', 'prompt-pass', 'full-pass', 'inspect', 'inspect-attention'];

/**
 * Measures in this process and prints JSON. `--measure time`: every kind but the attention view, once each per round,
 * interleaved, after a warm-up round: { ms: { kind: median } }. `--measure KIND`: that kind alone, twice, for its
 * peak RSS: { peakMiB, baseMiB }.
 */
async function measure(
  o: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'],
): Promise<void> {
  const model = await loadModel(o.model as string, {
    ep: 'cpu',
    cpuAccuracy: o['cpu-accuracy'] === 'model' ? 'model' : 'int8',
    ...(o.dtype ? { dtype: o.dtype } : {}),
  });
  const text = readFileSync(join(import.meta.dirname, '..', 'dist', 'engine.js'), 'utf8');
  const pieces = model.tokenizer.encode(text, { addSpecialTokens: false }).pieces;
  const n = Number(o.tokens);
  const slice = text.slice(0, pieces[n - 1]?.end ?? text.length);
  const ids = model.tokenizer.encodeIds(slice).slice(0, n);
  const base = peakMiB();
  const kinds: Kind[] = o.measure === 'time' ? KINDS.slice(0, 4) : [o.measure as Kind];
  const ins = kinds.some((k) => k.startsWith('inspect'))
    ? await Inspector.create(inspectableModel(model), {
        cacheDir: join(import.meta.dirname, '..', 'scratch'),
      })
    : undefined;
  const once = async (kind: Kind) => {
    if (kind === 'generate') {
      const sampling = samplingDefaults(model.folder.generationConfig);
      await generate({ ...model, eosIds: [] }, ids, { ...sampling, maxNewTokens: Number(o['new-tokens']) });
    } else if (kind === 'prompt-pass') {
      await runStep(model.session, model, ids, emptyCache(model), { logits: 'last' });
    } else if (kind === 'full-pass') {
      await runStep(model.session, model, ids, emptyCache(model));
    } else if (ins) {
      const r = await ins.inspect(slice, { topK: 10 });
      if (kind === 'inspect-attention') await ins.attention(r.handle, 0, 'mean');
      ins.release(r.handle);
    }
  };
  const times = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
  const rounds = o.measure === 'time' ? Number(o.runs) : 1; // a peak needs no median
  for (let i = 0; i <= rounds; i++) {
    for (const kind of kinds) {
      const t0 = performance.now();
      await once(kind);
      if (i > 0) times.get(kind)?.push(performance.now() - t0);
    }
  }
  const ms = Object.fromEntries([...times].map(([k, xs]) => [k, median(xs)]));
  console.log(JSON.stringify({ ms, peakMiB: peakMiB(), baseMiB: base }));
}

function main(): void {
  const { values: o } = parseArgs({ options });
  if (o.measure) {
    measure(o).catch((e: unknown) => {
      console.error((e as Error).stack);
      process.exitCode = 1;
    });
    return;
  }
  if (!o.model) throw new Error('--model DIR is required');
  const run = (what: string) => {
    const args = process.argv.slice(2).concat(['--measure', what]);
    const out = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.trim().split('\n').at(-1) as string) as {
      ms: Record<Kind, number>;
      peakMiB: number;
      baseMiB: number;
    };
  };
  const { ms } = run('time');
  const peak = Object.fromEntries(KINDS.map((k) => [k, run(k).peakMiB])) as Record<Kind, number>;
  const line = (name: string, kind: Kind) =>
    console.log(
      `  ${name.padEnd(58)} ${kind in ms ? `${ms[kind].toFixed(0).padStart(7)} ms` : '          '}   ` +
        `peak RSS ${peak[kind].toFixed(0).padStart(6)} MiB`,
    );
  console.log(
    `inspecting vs generating on ${o.model} (${o.dtype ?? 'default'}, cpu, ${o['cpu-accuracy']}, ` +
      `${o.tokens} tokens; time: median of ${o.runs} interleaved rounds in one process; ` +
      'peak RSS: each alone in a fresh process)',
  );
  line(`generate (${o['new-tokens']} sampled tokens after the prompt)`, 'generate');
  line('prompt pass (last-row logits)', 'prompt-pass');
  line('full pass (every row of logits)', 'full-pass');
  line('inspect (full pass + per-position statistics)', 'inspect');
  line('inspect, then layer 0 attention (opens the views session)', 'inspect-attention');
  console.log(
    `  inspect / prompt pass: ${(ms.inspect / ms['prompt-pass']).toFixed(2)}x time (target <= 1.3x); ` +
      `inspect / full pass: ${(ms.inspect / ms['full-pass']).toFixed(2)}x; ` +
      `full pass / prompt pass: ${(ms['full-pass'] / ms['prompt-pass']).toFixed(2)}x (the LM head on every row)`,
  );
  console.log(
    `  inspect peak / generate peak: ${(peak.inspect / peak.generate).toFixed(2)}x memory (target <= 1.3x)`,
  );
}

main();
