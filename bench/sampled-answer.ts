// A sampled answer end to end (prompt pass + N sampled tokens, the model's own generation_config) vs Transformers.js.
// Run: node --import tsx bench/sampled-answer.ts --model DIR [--dtype q4] [--prompt-tokens 512] [--new-tokens 48]
//      [--runs 3] [--threads N]   (a dev script; the prompt is the first tokens of dist/engine.js, or --file PATH)
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from '../src/engine/generation/generate';
import { samplingDefaults } from '../src/engine/generation/generation-config';
import { disposeModel, loadModel } from '../src/engine/model/model';
import { ggufOf, llamaCpp } from './llama-cpp';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      model: { type: 'string' },
      dtype: { type: 'string', default: 'fp32' },
      file: { type: 'string' },
      'prompt-tokens': { type: 'string', default: '512' },
      'new-tokens': { type: 'string', default: '48' },
      runs: { type: 'string', default: '3' },
      threads: { type: 'string' },
      'cpu-accuracy': { type: 'string', default: 'int8' },
    },
  });
  if (!o.model) throw new Error('--model DIR is required');
  const dir = o.model;
  const threads = o.threads ? Number(o.threads) : undefined;
  const newTokens = Number(o['new-tokens']);
  const cpuAccuracy = o['cpu-accuracy'] === 'int8' ? 'int8' : 'model';
  const model = await loadModel(dir, {
    ep: 'cpu',
    dtype: o.dtype,
    cpuAccuracy,
    ...(threads ? { threads } : {}),
  });
  const text = readFileSync(o.file ?? join(import.meta.dirname, '..', 'dist', 'engine.js'), 'utf8');
  const promptIds = model.tokenizer.encodeIds(text).slice(0, Number(o['prompt-tokens']));
  const sampling = samplingDefaults(model.folder.generationConfig);
  console.log(
    `sampled answer on ${model.folder.name} (${model.folder.dtype}, cpu): ${promptIds.length} prompt tokens, ` +
      `${newTokens} new tokens with the model's own sampling ${JSON.stringify(sampling)}; ` +
      `median of ${o.runs} interleaved rounds after a warm-up`,
  );

  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = dirname(dir);
  const tjsModel = await tjs.AutoModelForCausalLM.from_pretrained(basename(dir), {
    dtype: o.dtype as 'fp32',
    device: 'cpu',
    ...(threads ? { session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } } : {}),
  });
  const ids = new tjs.Tensor('int64', BigInt64Array.from(promptIds, BigInt), [1, promptIds.length]);
  const mask = new tjs.Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [1, promptIds.length]);

  // EOS ignored on both sides: every run writes exactly newTokens tokens
  const engineModel = { ...model, eosIds: [] };
  const split: { prefillMs: number; decodeTokensPerSecond: number }[] = [];
  const contenders: [string, () => Promise<void>][] = [
    [
      'engine',
      async () => {
        const { timings } = await generate(engineModel, promptIds, { ...sampling, maxNewTokens: newTokens });
        split.push(timings);
      },
    ],
    [
      'Transformers.js',
      async () => {
        // do_sample, temperature, top_k, top_p and repetition_penalty come from the folder's generation_config.json
        await tjsModel.generate({
          input_ids: ids,
          attention_mask: mask,
          max_new_tokens: newTokens,
          min_new_tokens: newTokens,
        });
      },
    ],
  ];
  const gguf = ggufOf(dir);
  const llama = gguf
    ? await llamaCpp(gguf, {
        contextSize: promptIds.length + newTokens + 8,
        ...(threads ? { threads } : {}),
      })
    : undefined;
  if (llama) {
    contenders.push([
      'llama.cpp (GGUF Q4_0)',
      async () => {
        await llama.run(promptIds, newTokens, sampling);
      },
    ]);
  }
  const times = contenders.map((): number[] => []);
  for (let round = 0; round <= Number(o.runs); round++) {
    for (const [i, [, run]] of contenders.entries()) {
      const t0 = performance.now();
      await run();
      if (round > 0) times[i]?.push(performance.now() - t0);
    }
  }
  await llama?.dispose();
  const [engine, other, llamaMs] = times.map(median) as [number, number, number | undefined];
  console.log(`  engine           ${engine.toFixed(0).padStart(7)} ms`);
  const last = split.at(-1);
  if (last)
    console.log(
      `    (prompt pass ${last.prefillMs.toFixed(0)} ms, decode ${last.decodeTokensPerSecond.toFixed(1)} tokens/s)`,
    );
  console.log(`  Transformers.js  ${other.toFixed(0).padStart(7)} ms`);
  if (llamaMs !== undefined) console.log(`  llama.cpp        ${llamaMs.toFixed(0).padStart(7)} ms`);
  console.log(`  engine speed / Transformers.js: ${(other / engine).toFixed(2)}x (target >= 1.5x)`);
  if (llamaMs !== undefined) console.log(`  engine speed / llama.cpp: ${(llamaMs / engine).toFixed(2)}x`);
  await tjsModel.dispose();
  await disposeModel(model);
}

main().catch((e: unknown) => {
  console.error(`bench/sampled-answer: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
});
