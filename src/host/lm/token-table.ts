// Markdown for @glassbox /tokens and /inspect: how the model read a piece of code, token by token, in bits.
import type { InspectResult } from '../../protocol/engine-methods';

/** A token's text made safe inside a markdown table cell and visible (spaces, tabs and newlines shown). */
function cell(text: string): string {
  const shown = text.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '·');
  return `\`${shown.replace(/`/g, 'ˋ').replace(/\|/g, '¦')}\``;
}

const bits = (logprob: number) => -logprob / Math.LN2;

/**
 * A summary (tokens, total and mean surprisal, the most surprising tokens) and, up to `rows` rows, a table of each
 * token with its id, surprisal and rank. Model text is untrusted: it only ever appears inside code spans.
 */
export function tokenTable(result: InspectResult, where: string, model: string, rows = 200): string {
  const scored = result.tokens
    .map((t, i) => ({ t, p: result.positions[i] }))
    .filter(
      (x): x is { t: (typeof result.tokens)[0]; p: NonNullable<(typeof result.positions)[0]> } => !!x.p,
    );
  const total = scored.reduce((s, x) => s + bits(x.p.logprob), 0);
  const lines = [
    `**${where}**: ${result.tokens.length} tokens for ${model}` +
      (scored.length
        ? `, ${total.toFixed(1)} bits of surprisal (${(total / scored.length).toFixed(2)} per token)`
        : '') +
      (result.truncated
        ? ` (only the first ${result.tokens.length} of ${result.truncated.totalTokens} read)`
        : ''),
    '',
  ];
  const worst = [...scored].sort((a, b) => a.p.logprob - b.p.logprob).slice(0, 3);
  if (worst.length) {
    lines.push(
      `Most surprising: ${worst.map((x) => `${cell(x.t.text)} ${bits(x.p.logprob).toFixed(1)} bits (expected ${cell(x.p.top[0]?.text ?? '?')})`).join(', ')}`,
      '',
    );
  }
  if (rows > 0) {
    lines.push('| # | token | id | surprisal (bits) | rank |', '|---:|---|---:|---:|---:|');
    for (const [i, t] of result.tokens.slice(0, rows).entries()) {
      const p = result.positions[i];
      lines.push(
        `| ${i + 1} | ${cell(t.text)} | ${t.id} | ${p ? bits(p.logprob).toFixed(2) : '–'} | ${p ? p.rank : '–'} |`,
      );
    }
    if (result.tokens.length > rows) lines.push('', `(${result.tokens.length - rows} more tokens not shown)`);
  }
  return `${lines.join('\n')}\n`;
}
