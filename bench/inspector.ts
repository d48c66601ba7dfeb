// Inspector latency: one inspection (forward pass + per-token numbers) at 512 tokens and at the full context,
// then attention thumbnails and a logit lens on top; medians of several runs, printed next to the 0.25 s target.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inspector } from '../src/engine/inspect/inspector';
import { inspectableModel } from '../src/engine/inspect/loaded-model';
import { loadModel } from '../src/engine/model/model';
import type { CpuAccuracy } from '../src/engine/model/run-graph';
import type { ExecutionProviderChoice } from '../src/protocol/engine-methods';

const TARGET_512_MS = 250;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function benchInspector(
  modelDir: string,
  /** Code to inspect: its first 512 tokens, then the first context-full. */
  text: string,
  options: {
    ep?: ExecutionProviderChoice;
    runs?: number;
    threads?: number;
    dtype?: string;
    cpuAccuracy?: CpuAccuracy;
  } = {},
  log: (line: string) => void = console.log,
): Promise<void> {
  const runs = options.runs ?? 7;
  const model = await loadModel(modelDir, {
    ep: options.ep ?? 'cpu',
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
    ...(options.cpuAccuracy === undefined ? {} : { cpuAccuracy: options.cpuAccuracy }),
  });
  const cacheDir = mkdtempSync(join(tmpdir(), 'glassbox-bench-'));
  try {
    const ins = await Inspector.create(
      inspectableModel(model, options.threads === undefined ? {} : { threads: options.threads }),
      { cacheDir },
    );
    const all = model.tokenizer.encode(text, { addSpecialTokens: false }).pieces;
    const bos = model.bosId === undefined ? 0 : 1;
    log(`inspector on ${model.folder.name} (${model.provider.used}), median of ${runs} runs`);
    // positions = text tokens + BOS: 512 positions and the full context (the same for a 512-token model)
    for (const positions of [
      ...new Set([Math.min(512, model.dims.contextLength), model.dims.contextLength]),
    ]) {
      const tokens = positions - bos;
      if (tokens > all.length) {
        log(`  ${positions} positions: skipped, the text has only ${all.length} tokens`);
        continue;
      }
      const slice = text.slice(0, all[tokens - 1]?.end ?? text.length);
      const inspect: number[] = [];
      const thumbs: number[] = [];
      const lens: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const r = await ins.inspect(slice, { topK: 10 });
        const t1 = performance.now();
        await ins.thumbnails(r.handle, 32);
        const t2 = performance.now();
        await ins.lens(r.handle, Math.floor(r.tokens.length / 2));
        const t3 = performance.now();
        inspect.push(t1 - t0);
        thumbs.push(t2 - t1);
        lens.push(t3 - t2);
        ins.release(r.handle);
      }
      const m = median(inspect);
      const target =
        positions === 512
          ? `  (target <= ${TARGET_512_MS} ms: ${m <= TARGET_512_MS ? 'met' : 'MISSED'})`
          : '';
      log(
        `  ${positions} positions (${tokens} tokens${bos ? ' + BOS' : ''}): inspect ${m.toFixed(0)} ms${target}`,
      );
      log(
        `    + all-layer thumbnails ${median(thumbs).toFixed(0)} ms, logit lens ${median(lens).toFixed(0)} ms`,
      );
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    await model.session.release();
  }
}
