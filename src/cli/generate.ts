// `glassbox generate`: one prompt (or a one-message chat) through the engine; streams text or prints JSON.
import type {
  GenerateParams,
  GenerateSummary,
  GenerationDefaults as Sampling,
} from '../protocol/engine-methods';
import { UsageError, type Args } from './args';
import { InputError, readTextInput } from './read-text';
import { printJson, withModel, type CliCommand, type CliIO } from './command';

const SAMPLING = ['temperature', 'top-k', 'top-p', 'seed'];

/** Sampling: the model's generation_config.json defaults, then --greedy or the individual flags. */
function samplingOptions(args: Args, defaults: Sampling): Sampling {
  if (args.flag('greedy') && SAMPLING.some((s) => args.has(s))) {
    throw new UsageError(`--greedy cannot be combined with ${SAMPLING.map((s) => `--${s}`).join(', ')}`);
  }
  const o: Sampling = { ...defaults };
  if (args.flag('greedy'))
    return { ...o, greedy: true, repetitionPenalty: args.number('repetition-penalty') ?? 1 };
  const set = <K extends keyof Sampling>(k: K, v: Sampling[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  if (SAMPLING.some((s) => args.has(s))) o.greedy = false;
  set('temperature', args.number('temperature'));
  set('topK', args.int('top-k', 0));
  set('topP', args.number('top-p'));
  set('seed', args.int('seed', 0, 2 ** 32 - 1));
  set('repetitionPenalty', args.number('repetition-penalty'));
  if (o.temperature !== undefined && o.temperature < 0) throw new UsageError('--temperature must be >= 0');
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new UsageError('--top-p must be in (0, 1]');
  return o;
}

/** The prompt: --prompt TEXT, or --prompt-file PATH ("-": standard input), one of them. */
function promptText(args: Args, io: CliIO): string {
  const inline = args.string('prompt');
  const file = args.string('prompt-file');
  if (inline !== undefined && file !== undefined)
    throw new UsageError('give --prompt or --prompt-file, not both');
  if (file !== undefined) {
    const input = readTextInput(file, '--prompt-file', args.int('max-bytes', 1) ?? 1024 * 1024);
    if (input.warning) io.stderr(`glassbox generate: ${input.warning}\n`);
    if (input.text.trim() === '') throw new InputError(`--prompt-file ${file} is empty`);
    return input.text;
  }
  if (inline === undefined) throw new UsageError('--prompt or --prompt-file is required');
  return inline;
}

async function run(args: Args, io: CliIO): Promise<number> {
  const prompt = promptText(args, io);
  return withModel(args, async ({ info, call }) => {
    const params: GenerateParams = {
      ...(args.flag('chat') ? { messages: [{ role: 'user', content: prompt }] } : { prompt }),
      ...samplingOptions(args, info.generation),
    };
    const maxNew = args.int('max-new-tokens', 1);
    if (maxNew !== undefined) params.maxNewTokens = maxNew;
    const stop = args.string('stop');
    if (stop !== undefined) params.stopStrings = [stop];
    const json = args.flag('json');
    let r: GenerateSummary | undefined;
    await call('model/generate', params, (chunk) => {
      if (chunk.kind === 'summary') r = chunk.summary;
      else if (chunk.kind === 'text' && !json && chunk.text) io.stdout(chunk.text);
    });
    if (!r) throw new Error('the engine ended model/generate without a summary');
    if (json) {
      printJson(io, {
        text: r.text,
        tokens: r.tokens,
        promptTokens: r.promptTokens,
        stopReason: r.stopReason,
        executionProvider: r.executionProvider,
        timings: {
          prefillMs: r.timings.prefillMs,
          firstTokenMs: r.timings.firstTokenMs,
          decodeTokensPerSecond: r.timings.decodeTokensPerSecond,
        },
      });
    } else {
      io.stdout('\n');
      const t = r.timings;
      io.stderr(
        `[${r.tokens.length} tokens, ${r.stopReason}; ${r.executionProvider}; prefill ${t.prefillMs.toFixed(1)} ms, ` +
          `first token ${t.firstTokenMs.toFixed(1)} ms, ${t.decodeTokensPerSecond.toFixed(1)} tokens/s]\n`,
      );
    }
    return 0;
  });
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'continue a prompt (or answer it as chat with --chat)',
  options: [
    { name: 'prompt', type: 'string', help: 'the prompt text (or --prompt-file)' },
    {
      name: 'prompt-file',
      type: 'string',
      help: 'read the prompt from a file, or - for standard input (for long prompts)',
    },
    { name: 'max-bytes', type: 'number', help: 'largest --prompt-file taken (default 1 MiB)' },
    { name: 'chat', type: 'flag', help: "wrap the prompt as a user message in the model's chat template" },
    {
      name: 'max-new-tokens',
      type: 'number',
      help: 'most tokens to generate (default: generation_config or 256)',
    },
    { name: 'greedy', type: 'flag', help: 'always take the most likely token' },
    { name: 'temperature', type: 'number', help: 'sampling temperature' },
    { name: 'top-k', type: 'number', help: 'sample among the k most likely tokens (0: off)' },
    { name: 'top-p', type: 'number', help: 'sample among the most likely tokens totalling p' },
    { name: 'seed', type: 'number', help: 'PRNG seed for reproducible sampling' },
    { name: 'repetition-penalty', type: 'number', help: 'HF repetition penalty (1: off)' },
    { name: 'stop', type: 'string', help: 'stop when the text contains this string' },
  ],
  run,
};
