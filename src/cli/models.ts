// `glassbox models`: the models on this machine (the bundled one and every ONNX model in the Hugging Face cache).
import { cachedModels } from '../hub/cached-models';
import { hubCacheDir } from '../hub/hub-cache';
import type { Args } from './args';
import { defaultModelDir, printJson, type CliCommand, type CliIO } from './command';

async function run(args: Args, io: CliIO): Promise<number> {
  const cacheDir = args.string('cache-dir') ?? hubCacheDir();
  const cached = await cachedModels(cacheDir);
  if (args.flag('json')) {
    printJson(io, { bundled: defaultModelDir(), cacheDir, models: cached });
    return 0;
  }
  io.stdout(`bundled        ${defaultModelDir()}\n`);
  if (cached.length === 0) io.stdout(`(no ONNX model in ${cacheDir}: glassbox download ORG/NAME adds one)\n`);
  for (const m of cached) {
    const refs = m.refs.length ? ` (${m.refs.join(', ')})` : '';
    io.stdout(
      `${m.repo}@${m.commit.slice(0, 8)}${refs}  ${m.dtypes.join(', ')}  ${(m.bytes / 2 ** 20).toFixed(1)} MiB  ${m.path}\n`,
    );
  }
  return 0;
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'the models on this machine: the bundled one and ONNX models in the Hugging Face cache',
  options: [{ name: 'cache-dir', type: 'string', help: 'cache folder (default: as glassbox download)' }],
  run,
};
