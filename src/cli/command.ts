// What a CLI command is (name, options, run), the options every command shares, and the engine it drives in-process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineService } from '../engine/engine-service';
import {
  EXECUTION_PROVIDER_CHOICES,
  type EngineChunk,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type ExecutionProviderChoice,
  type ModelInfo,
} from '../protocol/engine-methods';
import { cachedSnapshot, hubCacheDir, isRepoId } from '../hub/hub-cache';
import { UsageError, type Args, type OptionSpec } from './args';

/** Where a command writes; tests may capture it. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** The operand the command takes, for its usage line (e.g. REPO_ID); none when absent. */
  positional?: string;
  /** Command-specific options; the common ones (--model, --ep, --json, ...) are added for every command. */
  options: OptionSpec[];
  /** Returns the exit code; throws UsageError for bad arguments, anything else for failures. */
  run(args: Args, io: CliIO): Promise<number>;
}

export const COMMON_OPTIONS: OptionSpec[] = [
  {
    name: 'model',
    type: 'string',
    help: 'model folder, or a Hub repository id in the Hugging Face cache (default: the bundled glassbox-tiny)',
  },
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
  {
    name: 'exact-matmul',
    type: 'flag',
    help: "on the CPU, quantized MatMuls keep the model's own accuracy (default: int8 activations, faster)",
  },
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

/**
 * The folder `--model` names: a folder, or a Hub repository id (`org/name`, optionally `@revision`) already in the
 * Hugging Face cache (`glassbox download` puts it there); default the bundled model.
 */
export function modelDir(model: string | undefined): string {
  if (model === undefined) return defaultModelDir();
  if (existsSync(model)) return model;
  const [repo, revision] = model.split('@') as [string, string | undefined];
  if (!isRepoId(repo)) return model; // the engine says the folder does not exist
  const cache = hubCacheDir();
  const snapshot = cachedSnapshot(cache, repo, revision ?? 'main');
  if (!snapshot) {
    throw new UsageError(
      `${model} is neither a folder nor a model in the Hugging Face cache (${cache}): run glassbox download ${repo}`,
    );
  }
  return snapshot;
}

export function providerChoice(args: Args): ExecutionProviderChoice {
  const ep = args.string('ep') ?? 'auto';
  if (!(EXECUTION_PROVIDER_CHOICES as readonly string[]).includes(ep)) {
    throw new UsageError(`--ep must be one of ${EXECUTION_PROVIDER_CHOICES.join(', ')}`);
  }
  return ep as ExecutionProviderChoice;
}

/**
 * The engine a command drives: the extension's EngineService, in this process, so the CLI takes the same request
 * path and the same parameter checks as the extension and any other client.
 */
export interface CliEngine {
  /** The model --model/--ep/--dtype/--threads loaded. */
  info: ModelInfo;
  call<M extends EngineMethod>(
    method: M,
    params: EngineParams<M>,
    onChunk?: (chunk: EngineChunk<M>) => void,
  ): Promise<EngineResult<M>>;
}

/** Loads the model the arguments name (model/load), runs `use` with the engine, and always frees it. */
export async function withModel<T>(args: Args, use: (engine: CliEngine) => Promise<T>): Promise<T> {
  const dtype = args.string('dtype');
  const threads = args.int('threads', 1, 1024);
  const ep = providerChoice(args);
  const service = new EngineService();
  const signal = new AbortController().signal;
  const call: CliEngine['call'] = (method, params, onChunk) =>
    service.handle(method, params, { signal, stream: onChunk ?? (() => undefined) });
  try {
    const info = await call('model/load', {
      dir: modelDir(args.string('model')),
      ep,
      ...(dtype === undefined ? {} : { dtype }),
      ...(threads === undefined ? {} : { threads }),
      ...(args.flag('exact-matmul') ? { cpuFastMath: false } : {}),
    });
    return await use({ info, call });
  } finally {
    await service.dispose();
  }
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
