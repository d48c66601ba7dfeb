// `glassbox score`: bits per byte of a file under the model (sliding windows over long files).
import type { ScoreSummary } from '../protocol/engine-methods';
import type { Args } from './args';
import { InputError, readTextInput } from './read-text';
import { printJson, withModel, type CliCommand, type CliIO } from './command';

/** Scoring runs the model over every token (about a second per few thousand bytes on a laptop CPU): a bound. */
const DEFAULT_MAX_BYTES = 256 * 1024;

async function run(args: Args, io: CliIO): Promise<number> {
  const file = args.require('file');
  const input = readTextInput(file, '--file', args.int('max-bytes', 1) ?? DEFAULT_MAX_BYTES);
  if (input.bytes === 0 || input.text.trim() === '')
    throw new InputError(`${file} is empty: nothing to score`);
  if (input.warning) io.stderr(`glassbox score: ${input.warning}\n`);
  const stride = args.int('stride', 1);
  return withModel(args, async ({ info, call }) => {
    let r: ScoreSummary | undefined;
    let shown = 0;
    await call('model/score', { text: input.text, ...(stride === undefined ? {} : { stride }) }, (chunk) => {
      if (chunk.kind === 'summary') r = chunk.summary;
      else if (Date.now() - shown > 1000 || chunk.scored === chunk.total) {
        shown = Date.now();
        io.stderr(`glassbox score: ${chunk.scored} of ${chunk.total} tokens scored\n`);
      }
    });
    if (!r) throw new Error('the engine ended model/score without a summary');
    // bits per byte of the file as stored (the decoded text differs where invalid bytes became U+FFFD)
    const bitsPerByte = r.bits / input.bytes;
    if (args.flag('json')) {
      printJson(io, {
        bytes: input.bytes,
        tokens: r.tokens,
        bitsPerByte,
        bits: r.bits,
        executionProvider: info.executionProvider.used,
      });
    } else {
      io.stdout(
        `${bitsPerByte.toFixed(4)} bits/byte (${r.tokens} tokens, ${input.bytes} bytes, ${info.executionProvider.used})\n`,
      );
    }
    return 0;
  });
}

export const scoreCommand: CliCommand = {
  name: 'score',
  summary: "bits per byte of a file under the model's predictions",
  options: [
    { name: 'file', type: 'string', help: 'the text file to score (required)' },
    { name: 'stride', type: 'number', help: 'sliding-window step in tokens (default: half the context)' },
    { name: 'max-bytes', type: 'number', help: `largest file taken (default ${DEFAULT_MAX_BYTES})` },
  ],
  run,
};
