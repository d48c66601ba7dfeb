// `glassbox inspect`: tokens, per-position next-token numbers and (with --attention L:H) one head's attention for a file span.
import { readFileSync } from 'node:fs';
import { UsageError, type Args } from './args';
import { printJson, withModel, type CliCommand, type CliIO } from './command';

function parseHead(spec: string | undefined): { layer: number; head: number | 'mean' } | undefined {
  if (spec === undefined) return undefined;
  const m = /^(\d+):(\d+|mean)$/.exec(spec);
  if (!m) throw new UsageError(`--attention needs LAYER:HEAD (or LAYER:mean), got "${spec}"`);
  return { layer: Number(m[1]), head: m[2] === 'mean' ? 'mean' : Number(m[2]) };
}

const pct = (p: number) => `${(100 * p).toFixed(1)}%`;

async function run(args: Args, io: CliIO): Promise<number> {
  const file = args.require('file');
  const whole = readFileSync(file, 'utf8');
  const start = args.int('start', 0, whole.length) ?? 0;
  const end = args.int('end', start, whole.length) ?? whole.length;
  const topK = args.int('top-k', 1, 1000) ?? 10;
  const wanted = parseHead(args.string('attention'));
  return withModel(args, async ({ info, call }) => {
    if (wanted && wanted.layer >= info.layers)
      throw new UsageError(`--attention layer must be below ${info.layers}`);
    if (wanted && wanted.head !== 'mean' && wanted.head >= info.heads)
      throw new UsageError(`--attention head must be below ${info.heads}`);
    const r = await call('inspect/run', { text: whole.slice(start, end), topK });
    const tokens = r.tokens.map((t) => ({
      id: t.id,
      text: t.text,
      start: t.start + start,
      end: t.end + start,
    }));
    const attention = wanted
      ? await call('inspect/attention', { handle: r.handle, layer: wanted.layer, head: wanted.head })
      : undefined;
    if (r.truncated) {
      io.stderr(
        `glassbox inspect: the span has ${r.truncated.totalTokens} tokens; only the first ${r.tokens.length} ` +
          `(the model's context) were inspected, up to character ${start + r.truncated.inspectedChars}\n`,
      );
    }
    if (args.flag('json')) {
      const matrix = attention
        ? Array.from({ length: attention.size }, (_, i) =>
            Array.from(attention.data.subarray(i * attention.size, (i + 1) * attention.size)),
          )
        : undefined;
      printJson(io, {
        model: info.name,
        executionProvider: info.executionProvider.used,
        tokens,
        positions: r.positions,
        bos: r.bos,
        layers: r.layers,
        heads: r.heads,
        truncated: r.truncated && { ...r.truncated, inspectedChars: start + r.truncated.inspectedChars },
        ...(matrix
          ? {
              attention: matrix,
              // row/column i of the matrix: the BOS (when the model has one), then the tokens
              attentionTokens: [...(r.bos ? [r.bos.text] : []), ...tokens.map((t) => t.text)],
            }
          : {}),
        timings: r.timings,
      });
      return 0;
    }
    const shown = (s: string) => JSON.stringify(s);
    io.stdout(`${tokens.length} tokens, ${info.name} on ${info.executionProvider.used}\n`);
    io.stdout(`${'token'.padEnd(20)} ${'rank'.padStart(6)} ${'prob'.padStart(7)}  top predictions\n`);
    r.tokens.forEach((t, i) => {
      const p = r.positions[i];
      const head = shown(t.text).padEnd(20);
      if (!p)
        return io.stdout(
          `${head} ${'-'.padStart(6)} ${'-'.padStart(7)}  (first token: nothing precedes it)\n`,
        );
      const top = p.top
        .slice(0, 3)
        .map((a) => `${shown(a.text)} ${pct(a.prob)}`)
        .join(', ');
      io.stdout(`${head} ${String(p.rank).padStart(6)} ${pct(Math.exp(p.logprob)).padStart(7)}  ${top}\n`);
    });
    if (attention && wanted) {
      io.stdout(
        `\nattention layer ${wanted.layer} head ${wanted.head}: ${attention.size} x ${attention.size}; use --json for the matrix\n`,
      );
    }
    return 0;
  });
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'tokens of a file (or a span of it) and what the model predicted at every position',
  options: [
    { name: 'file', type: 'string', help: 'the text file to inspect (required)' },
    {
      name: 'start',
      type: 'number',
      help: 'first character of the span (UTF-16 offset, as VS Code counts; default 0)',
    },
    { name: 'end', type: 'number', help: 'character after the span (default: end of file)' },
    { name: 'top-k', type: 'number', help: 'alternatives listed per position (default 10)' },
    {
      name: 'attention',
      type: 'string',
      help: 'L:H adds layer L head H attention (L:mean for the head average); row/column 0 is the BOS when the model has one',
    },
  ],
  run,
};
