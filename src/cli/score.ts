// `glassbox score`: bits per byte of a file under the model (sliding windows over long files).
import { readFileSync } from 'node:fs';
import type { Args } from './args';
import { printJson, withModel, type CliCommand, type CliIO } from './command';

async function run(args: Args, io: CliIO): Promise<number> {
  const file = args.require('file');
  const text = readFileSync(file, 'utf8');
  const stride = args.int('stride', 1);
  return withModel(args, async ({ info, call }) => {
    const r = await call('model/score', { text, ...(stride === undefined ? {} : { stride }) });
    if (args.flag('json')) {
      printJson(io, {
        bytes: r.bytes,
        tokens: r.tokens,
        bitsPerByte: r.bitsPerByte,
        bits: r.bits,
        executionProvider: info.executionProvider.used,
      });
    } else {
      io.stdout(
        `${r.bitsPerByte.toFixed(4)} bits/byte (${r.tokens} tokens, ${r.bytes} bytes, ${info.executionProvider.used})\n`,
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
  ],
  run,
};
