// Decode speed side by side on one model and provider: the engine's generate vs a bare ORT loop vs Transformers.js v4.
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type * as TransformersJs from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { generate } from '../src/engine/generation/generate';
import { disposeModel, loadModel, type LoadedModel } from '../src/engine/model/model';
import type { CpuAccuracy } from '../src/engine/model/run-graph';
import { describeProvider } from '../src/engine/model/session';
import type { ExecutionProviderChoice } from '../src/protocol/engine-methods';
import { bareLoop } from './bare-loop';
import { measuredReadBandwidth, weightBytesPerToken } from './ceiling';
import { ggufOf, llamaCpp } from './llama-cpp';
import { hostBytes, recordedSession } from './host-bytes';

export interface DecodeOptions {
  ep?: ExecutionProviderChoice;
  threads?: number;
  runs?: number;
  promptTokens?: number;
  newTokens?: number;
  /** The device's memory bandwidth in GB/s, for the ceiling: weight bytes read per token vs what the memory gives. */
  bandwidthGBps?: number;
  /** The ONNX variant (default: the folder's own rule). */
  dtype?: string;
  /** CPU MatMulNBits compute for the engine (the bare loop and Transformers.js run the file as it is). */
  cpuAccuracy?: CpuAccuracy;
}

interface Timing {
  firstTokenMs: number;
  decodeTokensPerSecond: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Runs every contender once per round, interleaved (so a busy machine slows them alike), each round starting one
 * contender later (so none always runs right after the same one), after one warm-up round; returns each one's median
 * first-token time and decode speed, and its decode speed in every round.
 */
async function measureInterleaved(
  runs: number,
  contenders: [string, () => Promise<Timing>][],
): Promise<{ rows: [string, Timing][]; rounds: number[][] }> {
  const all = contenders.map((): Timing[] => []);
  for (let round = 0; round <= runs; round++) {
    for (let j = 0; j < contenders.length; j++) {
      const i = (round + j) % contenders.length;
      const t = await (contenders[i] as [string, () => Promise<Timing>])[1]();
      if (round > 0) all[i]?.push(t);
    }
  }
  return {
    rows: contenders.map(([name], i) => [
      name,
      {
        firstTokenMs: median((all[i] ?? []).map((t) => t.firstTokenMs)),
        decodeTokensPerSecond: median((all[i] ?? []).map((t) => t.decodeTokensPerSecond)),
      },
    ]),
    rounds: all.map((ts) => ts.map((t) => t.decodeTokensPerSecond)),
  };
}

/** Transformers.js (a dev dependency) when it is installed; undefined otherwise. */
async function transformersJs(): Promise<typeof TransformersJs | undefined> {
  try {
    return await import('@huggingface/transformers');
  } catch {
    return undefined;
  }
}

/** The model's weight bytes: the graph file and its external data, all read once per decoded token. */
function weightBytes(onnxPath: string, externalData: readonly string[]): number {
  return [onnxPath, ...externalData].reduce((sum, f) => sum + statSync(f).size, 0);
}

/** Bytes between JS and ORT per decoded token (prefill excluded), counted over one 8-token generation. */
async function movedPerToken(
  model: LoadedModel,
  promptIds: number[],
): Promise<{ total: number; kv: number }> {
  const { spy, runs } = recordedSession(model.session);
  await generate({ ...model, session: spy }, promptIds, { greedy: true, maxNewTokens: 8 });
  const decode = runs.slice(1).map(hostBytes);
  return {
    total: Math.round(decode.reduce((s, b) => s + b.total, 0) / decode.length),
    kv: Math.round(decode.reduce((s, b) => s + b.kv, 0) / decode.length),
  };
}

export async function benchDecode(
  modelDir: string,
  /** The prompt is the first `promptTokens` tokens of this text. */
  text: string,
  options: DecodeOptions = {},
  log: (line: string) => void = console.log,
): Promise<void> {
  const runs = options.runs ?? 5;
  const newTokens = options.newTokens ?? 128;
  const load = (kvOnDevice: boolean) =>
    loadModel(modelDir, {
      ep: options.ep ?? 'cpu',
      kvOnDevice,
      ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
      ...(options.cpuAccuracy === undefined ? {} : { cpuAccuracy: options.cpuAccuracy }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
  const model = await load(true);
  const ep = model.provider.used;
  log(`provider: ${describeProvider(model.provider)}`);
  const promptIds = model.tokenizer.encodeIds(text).slice(0, options.promptTokens ?? 128);
  log(
    `decode on ${model.folder.name} (${ep}${options.threads ? `, ${options.threads} threads` : ''}): ` +
      `${promptIds.length} prompt tokens, ${newTokens} greedy new tokens, median of ${runs} interleaved rounds after a warm-up round`,
  );
  // EOS is ignored everywhere so every run does exactly the same work
  const engineModel = { ...model, eosIds: [] };
  const contenders: [string, () => Promise<Timing>][] = [
    [
      'engine',
      async () => (await generate(engineModel, promptIds, { greedy: true, maxNewTokens: newTokens })).timings,
    ],
  ];
  // on WebGPU, the same engine with its KV cache copied through JS every step, as before it stayed on the device
  const throughJs = model.provider.deviceOutputs ? { ...(await load(false)), eosIds: [] } : undefined;
  if (throughJs) {
    contenders.push([
      'engine, KV through JS',
      async () => (await generate(throughJs, promptIds, { greedy: true, maxNewTokens: newTokens })).timings,
    ]);
  }
  const session = await ort.InferenceSession.create(model.folder.onnxPath, {
    graphOptimizationLevel: 'all',
    executionProviders: [ep],
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
  });
  contenders.push([
    'bare session.run loop',
    async () => {
      const r = await bareLoop(session, model.dims, promptIds, newTokens);
      return { firstTokenMs: r.prefillMs, decodeTokensPerSecond: r.decodeTokensPerSecond };
    },
  ]);
  const tjs = await transformersJs();
  let tjsModel: { dispose(): Promise<unknown> } | undefined;
  if (tjs && (ep === 'cpu' || ep === 'webgpu' || ep === 'cuda')) {
    tjs.env.allowRemoteModels = false;
    tjs.env.localModelPath = dirname(modelDir);
    const m = await tjs.AutoModelForCausalLM.from_pretrained(basename(modelDir), {
      dtype: model.folder.dtype as 'fp32',
      device: ep,
      ...(options.threads
        ? { session_options: { intraOpNumThreads: options.threads, interOpNumThreads: 1 } }
        : {}),
    });
    tjsModel = m;
    const ids = new tjs.Tensor('int64', BigInt64Array.from(promptIds, BigInt), [1, promptIds.length]);
    const mask = new tjs.Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [1, promptIds.length]);
    contenders.push([
      'Transformers.js v4',
      async () => {
        const stamps: number[] = [];
        // put() is called once with the prompt, then once per generated token
        const streamer = { put: () => void stamps.push(performance.now()), end: () => undefined };
        const t0 = performance.now();
        await m.generate({
          input_ids: ids,
          attention_mask: mask,
          max_new_tokens: newTokens,
          min_new_tokens: newTokens,
          do_sample: false,
          streamer: streamer as never,
        });
        const first = stamps[1] as number;
        const last = stamps.at(-1) as number;
        return {
          firstTokenMs: first - t0,
          decodeTokensPerSecond: ((stamps.length - 2) * 1000) / (last - first),
        };
      },
    ]);
  } else {
    log(
      `  Transformers.js: skipped (${tjs ? `no ${ep} device there` : 'not installed: it is a dev dependency'})`,
    );
  }
  const gguf = ep === 'cpu' ? ggufOf(modelDir) : undefined;
  const llama = gguf
    ? await llamaCpp(gguf, {
        contextSize: promptIds.length + newTokens + 8,
        ...(options.threads ? { threads: options.threads } : {}),
      })
    : undefined;
  if (llama) {
    contenders.push(['llama.cpp (GGUF Q4_0)', async () => await llama.run(promptIds, newTokens)]);
  } else if (ep === 'cpu') {
    log('  llama.cpp: skipped (no gguf/*.gguf in the model folder: real_size.py --gguf writes one)');
  }
  const { rows, rounds } = await measureInterleaved(runs, contenders);
  await llama?.dispose();
  const moved = [
    await movedPerToken(engineModel, promptIds),
    ...(throughJs ? [await movedPerToken(throughJs, promptIds)] : []),
  ];
  await tjsModel?.dispose();
  await session.release();
  if (throughJs) await disposeModel(throughJs);
  await disposeModel(model);
  const engine = rows[0]?.[1] as Timing;
  const bare = rows.find(([n]) => n.startsWith('bare'))?.[1] as Timing;

  for (const [name, t] of rows) {
    const prefill = (promptIds.length * 1000) / t.firstTokenMs;
    log(
      `  ${name.padEnd(22)} ${t.decodeTokensPerSecond.toFixed(1).padStart(8)} tokens/s   first token ${t.firstTokenMs.toFixed(1).padStart(7)} ms` +
        `   prefill ${prefill.toFixed(0).padStart(7)} tokens/s`,
    );
  }
  const [device, host] = moved;
  log(
    `  JS <-> ORT per decoded token: ${device?.total} bytes (KV ${device?.kv})` +
      (host ? `; with the KV cache through JS ${host.total} bytes (KV ${host.kv})` : ''),
  );
  const read = model.runGraph
    ? weightBytesPerToken(model.runGraph.graph)
    : { bytes: weightBytes(model.folder.onnxPath, model.folder.externalData), lookupTables: 0 };
  const weights = read.bytes;
  const engineRate = rows[0]?.[1].decodeTokensPerSecond ?? 0;
  const measured = options.bandwidthGBps === undefined && ep === 'cpu' ? measuredReadBandwidth() : undefined;
  const bandwidth = options.bandwidthGBps ?? measured?.copyGBps;
  log(
    `  weights read per token: ${(weights / 1e6).toFixed(1)} MB` +
      (read.lookupTables
        ? ` (lookup tables, one row each, left out: ${(read.lookupTables / 1e6).toFixed(1)} MB)`
        : ''),
  );
  if (measured) {
    log(
      `  measured read bandwidth: ${measured.copyGBps.toFixed(1)} GB/s copying 512 MiB, ` +
        `${measured.sumGBps.toFixed(1)} GB/s summing it on one thread`,
    );
  }
  if (bandwidth) {
    const ceiling = (bandwidth * 1e9) / weights;
    log(
      `  ceiling: ${(weights / 1e6).toFixed(1)} MB per token at ${bandwidth.toFixed(1)} GB/s = ` +
        `${ceiling.toFixed(1)} tokens/s; the engine reaches ${((100 * engineRate) / ceiling).toFixed(1)}% ` +
        `(${((engineRate * weights) / 1e9).toFixed(1)} GB/s)`,
    );
  } else {
    log(
      `  the engine streams ${((engineRate * weights) / 1e9).toFixed(2)} GB/s (give --bandwidth GB/s for the ceiling)`,
    );
  }
  const ratio = (a: Timing, b: Timing) => a.decodeTokensPerSecond / b.decodeTokensPerSecond;
  // the same round's speeds side by side: their spread says how far the machine's noise moves the median ratio
  const bareAt = rows.findIndex(([n]) => n.startsWith('bare'));
  const paired = (rounds[0] ?? []).map((e, r) => e / (rounds[bareAt]?.[r] as number)).sort((a, b) => a - b);
  log(
    `  engine / bare loop:        ${ratio(engine, bare).toFixed(2)}x decode (target >= 0.97x); ` +
      `per round ${paired[0]?.toFixed(2)}..${paired.at(-1)?.toFixed(2)}, median ${median(paired).toFixed(2)}`,
  );
  const t = rows.find(([n]) => n.startsWith('Transformers'))?.[1];
  if (t) log(`  engine / Transformers.js:  ${ratio(engine, t).toFixed(2)}x decode (target >= 1.5x)`);
  const l = rows.find(([n]) => n.startsWith('llama.cpp'))?.[1];
  if (l)
    log(
      `  engine / llama.cpp:        ${ratio(engine, l).toFixed(2)}x decode, ${(l.firstTokenMs / engine.firstTokenMs).toFixed(2)}x prefill`,
    );
}
