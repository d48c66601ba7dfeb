// Inspecting vs generating on one model: time of a 512-token inspection vs the prompt pass, and each one's peak memory.
// Run: node --import tsx bench/inspect-cost.ts --model DIR [--dtype q4] [--tokens 512] [--new-tokens 48] [--runs 3]
//      [--cpu-accuracy model|int8]   (a dev script; each measurement in a fresh process)
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

/** One measurement in this process: prints {ms (median of runs), peakMiB, baseMiB} as JSON. */
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
  const times: number[] = [];
  const ins =
    o.measure === 'inspect' || o.measure === 'inspect-attention'
      ? await Inspector.create(inspectableModel(model), {
          cacheDir: join(import.meta.dirname, '..', 'scratch'),
        })
      : undefined;
  for (let i = 0; i <= Number(o.runs); i++) {
    const t0 = performance.now();
    if (o.measure === 'generate') {
      const sampling = samplingDefaults(model.folder.generationConfig);
      await generate({ ...model, eosIds: [] }, ids, { ...sampling, maxNewTokens: Number(o['new-tokens']) });
    } else if (o.measure === 'prompt-pass') {
      await runStep(model.session, model, ids, emptyCache(model), { logits: 'last' });
    } else if (o.measure === 'full-pass') {
      await runStep(model.session, model, ids, emptyCache(model));
    } else if (ins) {
      const r = await ins.inspect(slice, { topK: 10 });
      if (o.measure === 'inspect-attention') await ins.attention(r.handle, 0, 'mean');
      ins.release(r.handle);
    }
    if (i > 0) times.push(performance.now() - t0);
  }
  console.log(JSON.stringify({ ms: median(times), peakMiB: peakMiB(), baseMiB: base }));
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
      ms: number;
      peakMiB: number;
      baseMiB: number;
    };
  };
  const gen = run('generate');
  const prompt = run('prompt-pass');
  const full = run('full-pass');
  const ins = run('inspect');
  const views = run('inspect-attention');
  const line = (name: string, r: { ms: number; peakMiB: number }) =>
    console.log(
      `  ${name.padEnd(44)} ${r.ms.toFixed(0).padStart(7)} ms   peak RSS ${r.peakMiB.toFixed(0).padStart(6)} MiB`,
    );
  console.log(
    `inspecting vs generating on ${o.model} (${o.dtype ?? 'default'}, cpu, ${o['cpu-accuracy']}, ` +
      `${o.tokens} tokens, median of ${o.runs})`,
  );
  line(`generate (${o['new-tokens']} sampled tokens after the prompt)`, gen);
  line('prompt pass (last-row logits)', prompt);
  line('full pass (every row of logits)', full);
  line('inspect (full pass + per-position statistics)', ins);
  line('inspect, then layer 0 attention (opens the views session)', views);
  console.log(
    `  inspect / prompt pass: ${(ins.ms / prompt.ms).toFixed(2)}x time (target <= 1.3x); ` +
      `inspect / full pass: ${(ins.ms / full.ms).toFixed(2)}x; ` +
      `inspect peak / generate peak: ${(ins.peakMiB / gen.peakMiB).toFixed(2)}x memory (target <= 1.3x)`,
  );
}

main();
