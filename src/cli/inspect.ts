// `glassbox inspect`: tokens and next-token numbers for a file span, plus attention, logit lens and neighbours on request.
import { UsageError, type Args } from './args';
import { printJson, withModel, type CliCommand, type CliIO } from './command';
import { readTextInput } from './read-text';

function parseHead(spec: string | undefined): { layer: number; head: number | 'mean' } | undefined {
  if (spec === undefined) return undefined;
  const m = /^(\d+):(\d+|mean)$/.exec(spec);
  if (!m) throw new UsageError(`--attention needs LAYER:HEAD (or LAYER:mean), got "${spec}"`);
  return { layer: Number(m[1]), head: m[2] === 'mean' ? 'mean' : Number(m[2]) };
}

const pct = (p: number) => `${(100 * p).toFixed(1)}%`;

/** A view the model cannot give: its reason in place of the view, so the rest of the inspection still prints. */
async function orUnavailable<T>(view: () => Promise<T>): Promise<T | { unavailable: string }> {
  try {
    return await view();
  } catch (e) {
    if ((e as { code?: unknown }).code === 'unavailable') return { unavailable: (e as Error).message };
    throw e;
  }
}

async function run(args: Args, io: CliIO): Promise<number> {
  const file = args.require('file');
  const input = readTextInput(file, '--file', args.int('max-bytes', 1) ?? 4 * 1024 * 1024);
  if (input.warning) io.stderr(`glassbox inspect: ${input.warning}\n`);
  const whole = input.text;
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
      ? await orUnavailable(() =>
          call('inspect/attention', { handle: r.handle, layer: wanted.layer, head: wanted.head }),
        )
      : undefined;
    // one entry per position: each layer's prediction, embeddings first, in the form of the position's own top/rank
    const lens = args.flag('lens')
      ? await orUnavailable(async () => {
          const rows = [];
          for (const [i, p] of r.positions.entries()) {
            if (!p) {
              rows.push(null);
              continue;
            }
            const layers = await call('inspect/lens', { handle: r.handle, position: i, topK });
            rows.push(layers.map((l) => ({ top: l.top, rank: l.rank })));
          }
          return rows;
        })
      : undefined;
    const neighbours = args.flag('neighbours')
      ? await orUnavailable(async () => {
          const lists = [];
          for (const t of r.tokens) lists.push(await call('inspect/neighbours', { id: t.id, topK }));
          return lists;
        })
      : undefined;
    if (r.truncated) {
      io.stderr(
        `glassbox inspect: the span has ${r.truncated.totalTokens} tokens; only the first ${r.tokens.length} ` +
          `(${r.truncated.limit === 'memory' ? "the inspector's memory budget" : "the model's context"}) were ` +
          `inspected, up to character ${start + r.truncated.inspectedChars}\n`,
      );
    }
    if (args.flag('json')) {
      const matrix =
        attention && 'size' in attention
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
          : attention
            ? { attention }
            : {}),
        ...(lens ? { lens } : {}),
        ...(neighbours ? { neighbours } : {}),
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
    const unavailable = (view: string, x: unknown) =>
      x && typeof x === 'object' && 'unavailable' in x
        ? io.stdout(`\n${view}: ${(x as { unavailable: string }).unavailable}\n`)
        : undefined;
    if (attention && 'size' in attention && wanted) {
      io.stdout(
        `\nattention layer ${wanted.layer} head ${wanted.head}: ${attention.size} x ${attention.size}; use --json for the matrix\n`,
      );
    } else unavailable('attention', attention);
    if (Array.isArray(lens)) {
      io.stdout("\nlogit lens: each layer's top prediction (embeddings first), use --json for all\n");
      lens.forEach((layers, i) => {
        if (!layers) return;
        const tops = layers.map((l) => shown(l.top[0]?.text ?? '')).join(' → ');
        io.stdout(`${shown(r.tokens[i]?.text ?? '').padEnd(20)} ${tops}\n`);
      });
    } else unavailable('logit lens', lens);
    if (Array.isArray(neighbours)) {
      io.stdout('\nnearest tokens in the input embeddings (cosine)\n');
      neighbours.forEach((list, i) => {
        const near = list
          .slice(1, 4)
          .map((n) => `${shown(n.text)} ${n.cosine.toFixed(2)}`)
          .join(', ');
        io.stdout(`${shown(r.tokens[i]?.text ?? '').padEnd(20)} ${near}\n`);
      });
    } else unavailable('neighbours', neighbours);
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
    { name: 'max-bytes', type: 'number', help: 'largest file taken (default 4 MiB)' },
    { name: 'top-k', type: 'number', help: 'alternatives listed per position (default 10)' },
    {
      name: 'attention',
      type: 'string',
      help: 'L:H adds layer L head H attention (L:mean for the head average); row/column 0 is the BOS when the model has one',
    },
    {
      name: 'lens',
      type: 'flag',
      help: "adds the logit lens: for every position, each layer's top predictions and the actual token's rank",
    },
    {
      name: 'neighbours',
      type: 'flag',
      help: 'adds, for every token, the tokens nearest it in the input embeddings (cosine), itself first',
    },
  ],
  run,
};
