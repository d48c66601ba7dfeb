// `npm run bench`: decode side by side (engine, bare ORT loop, Transformers.js), then inspector latency. A dev script:
// it needs the dev dependencies (tsx, Transformers.js), so it is not part of the shipped `glassbox` CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Args, optionsHelp, UsageError, type OptionSpec } from '../src/cli/args';
import { COMMON_OPTIONS, defaultModelDir, providerChoice, type CliIO } from '../src/cli/command';
import type { CpuAccuracy } from '../src/engine/model/run-graph';
import { benchDecode } from './decode';
import { benchInspector } from './inspector';

const ENGINE_BUNDLE = join(import.meta.dirname, '..', 'dist', 'engine.js');

async function run(args: Args, io: CliIO): Promise<number> {
  const model = args.string('model') ?? defaultModelDir();
  // code to read: the given file, or the engine's bundle (real code, there after npm run build)
  const text = readFileSync(args.string('file') ?? ENGINE_BUNDLE, 'utf8');
  const ep = providerChoice(args);
  const threads = args.int('threads', 1, 1024);
  const runs = args.int('runs', 1, 100) ?? 5;
  const log = (line: string) => io.stdout(`${line}\n`);
  const newTokens = args.int('new-tokens', 2, 100_000) ?? 128;
  const promptTokens = args.int('prompt-tokens', 1, 100_000) ?? 128;
  const bandwidth = args.int('bandwidth', 1, 100_000);
  const dtype = args.string('dtype');
  // what the extension runs unless glassbox.cpuFastMath is off
  const accuracy = args.string('cpu-accuracy') ?? 'int8';
  if (accuracy !== 'model' && accuracy !== 'int8')
    throw new UsageError(`--cpu-accuracy is model or int8, not ${accuracy}`);
  const cpuAccuracy: CpuAccuracy = accuracy;
  const variant = { ...(dtype ? { dtype } : {}), cpuAccuracy };
  await benchDecode(
    model,
    text,
    {
      ep,
      runs,
      newTokens,
      promptTokens,
      ...(threads ? { threads } : {}),
      ...(bandwidth ? { bandwidthGBps: bandwidth } : {}),
      ...variant,
    },
    log,
  );
  if (args.flag('decode-only')) return 0;
  await benchInspector(model, text, { ep, runs, ...(threads ? { threads } : {}), ...variant }, log);
  return 0;
}

const OPTIONS: OptionSpec[] = [
  {
    name: 'file',
    type: 'string',
    help: 'code the prompt and the inspected text come from (default: dist/engine.js)',
  },
  { name: 'runs', type: 'number', help: 'measured runs per figure, after a warm-up (default 5)' },
  { name: 'prompt-tokens', type: 'number', help: 'prompt length for decoding (default 128)' },
  { name: 'new-tokens', type: 'number', help: 'greedy tokens generated per run (default 128)' },
  {
    name: 'bandwidth',
    type: 'number',
    help: "the device's memory bandwidth in GB/s, for the ceiling (weights read per token)",
  },
  { name: 'decode-only', type: 'flag', help: 'skip the inspector latency figures' },
  {
    name: 'cpu-accuracy',
    type: 'string',
    help: "the engine's CPU MatMulNBits compute: int8 (accuracy_level 4; the default, as glassbox.cpuFastMath) or model (the file's own)",
  },
  ...COMMON_OPTIONS.filter((o) => o.name !== 'json'),
];

const io: CliIO = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  io.stdout(`Usage: npm run bench -- [options]\n\n${optionsHelp(OPTIONS)}\n`);
} else {
  run(Args.parse(argv, OPTIONS), io).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      io.stderr(`bench: ${e instanceof UsageError ? e.message : ((e as Error).stack ?? String(e))}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}
