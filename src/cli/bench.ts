// `glassbox bench`: the bench/ measurements from the command line (decode side by side, then inspector latency).
import { readFileSync } from 'node:fs';
import { benchDecode } from '../../bench/decode';
import { benchInspector } from '../../bench/inspector';
import type { Args } from './args';
import { defaultModelDir, providerChoice, type CliCommand, type CliIO } from './command';

async function run(args: Args, io: CliIO): Promise<number> {
  const model = args.string('model') ?? defaultModelDir();
  // code to read: the given file, or this CLI's own bundle (real code, present wherever the CLI is)
  const text = readFileSync(args.string('file') ?? __filename, 'utf8');
  const ep = providerChoice(args);
  const threads = args.int('threads', 1, 1024);
  const runs = args.int('runs', 1, 100) ?? 5;
  const log = (line: string) => io.stdout(`${line}\n`);
  const newTokens = args.int('new-tokens', 2, 100_000) ?? 128;
  const promptTokens = args.int('prompt-tokens', 1, 100_000) ?? 128;
  await benchDecode(model, text, { ep, runs, newTokens, promptTokens, ...(threads ? { threads } : {}) }, log);
  await benchInspector(model, text, { ep, runs, ...(threads ? { threads } : {}) }, log);
  return 0;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'decode tokens/s vs a bare ONNX Runtime loop and Transformers.js, and inspector latency',
  options: [
    {
      name: 'file',
      type: 'string',
      help: 'code the prompt and the inspected text come from (default: this CLI)',
    },
    { name: 'runs', type: 'number', help: 'measured runs per figure, after a warm-up (default 5)' },
    { name: 'prompt-tokens', type: 'number', help: 'prompt length for decoding (default 128)' },
    { name: 'new-tokens', type: 'number', help: 'greedy tokens generated per run (default 128)' },
  ],
  run,
};
