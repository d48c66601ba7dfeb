// What a CLI command is (name, options, run) and the options and model loading every command shares.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { disposeModel, loadModel, type LoadedModel } from '../engine/model/model';
import { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from '../protocol/engine-methods';
import { UsageError, type Args, type OptionSpec } from './args';

/** Where a command writes; tests may capture it. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** Command-specific options; the common ones (--model, --ep, --json, ...) are added for every command. */
  options: OptionSpec[];
  /** Returns the exit code; throws UsageError for bad arguments, anything else for failures. */
  run(args: Args, io: CliIO): Promise<number>;
}

export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'model', type: 'string', help: 'model folder (default: the bundled glassbox-tiny)' },
  {
    name: 'ep',
    type: 'string',
    help: `execution provider: ${EXECUTION_PROVIDER_CHOICES.join(' | ')} (default auto)`,
  },
  {
    name: 'dtype',
    type: 'string',
    help: 'ONNX variant: fp32 | fp16 | q8 | q4 | ... (default: the first present)',
  },
  { name: 'threads', type: 'number', help: 'CPU threads for ONNX Runtime (default: one per core)' },
  { name: 'json', type: 'flag', help: 'print machine-readable JSON' },
];

/** The bundled model next to the built CLI (dist/cli.js -> ../models/glassbox-tiny), or next to the sources. */
export function defaultModelDir(): string {
  const candidates = [
    join(__dirname, '..', 'models', 'glassbox-tiny'),
    join(__dirname, '..', '..', 'models', 'glassbox-tiny'),
  ];
  return candidates.find((d) => existsSync(join(d, 'config.json'))) ?? (candidates[0] as string);
}

export function providerChoice(args: Args): ExecutionProviderChoice {
  const ep = args.string('ep') ?? 'auto';
  if (!(EXECUTION_PROVIDER_CHOICES as readonly string[]).includes(ep)) {
    throw new UsageError(`--ep must be one of ${EXECUTION_PROVIDER_CHOICES.join(', ')}`);
  }
  return ep as ExecutionProviderChoice;
}

/** Loads --model (default bundled) on --ep with --dtype and --threads. */
function loadFromArgs(args: Args): Promise<LoadedModel> {
  const dtype = args.string('dtype');
  const threads = args.int('threads', 1, 1024);
  return loadModel(args.string('model') ?? defaultModelDir(), {
    ep: providerChoice(args),
    ...(dtype === undefined ? {} : { dtype }),
    ...(threads === undefined ? {} : { threads }),
  });
}

/** Loads the model the arguments name, runs `use` with it, and always frees it. */
export async function withModel<T>(args: Args, use: (model: LoadedModel) => Promise<T>): Promise<T> {
  const model = await loadFromArgs(args);
  try {
    return await use(model);
  } finally {
    await disposeModel(model);
  }
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
