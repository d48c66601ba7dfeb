// Editor highlights of an inspection: tokens coloured by the rank the model gave them (GLTR buckets), a hover per token.
import * as vscode from 'vscode';
import type { InspectPosition, InspectResult } from '../../protocol/engine-methods';
import { RANK_BUCKETS, rankBucketIndex, type RankBucketId } from '../../protocol/rank-buckets';
import type { InspectorController } from './inspector-controller';

/** The editor's colour for each GLTR bucket (RANK_BUCKETS order: top-1, top-10, top-100, beyond). */
const BUCKET_COLORS: Record<RankBucketId, string> = {
  top1: 'rgba(46, 160, 67, 0.28)',
  top10: 'rgba(210, 153, 34, 0.30)',
  top100: 'rgba(218, 54, 51, 0.28)',
  beyond: 'rgba(163, 113, 247, 0.32)',
};

const percent = (p: number) => `${(100 * p).toPrecision(3)}%`;
/** Inline code that any text (quoted, escapes visible) cannot break out of. */
function code(text: string): string {
  const quoted = JSON.stringify(text);
  const fence = '`'.repeat(Math.max(0, ...[...quoted.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${fence} ${quoted} ${fence}`;
}

/** The hover text of token `i` (the numbers the Inspector shows). */
export function tokenHover(result: InspectResult, i: number): vscode.MarkdownString {
  const tok = result.tokens[i];
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  if (!tok) return md;
  md.appendMarkdown(`**Glassbox** token ${code(tok.text)} · id ${tok.id}\n\n`);
  const p: InspectPosition | null = result.positions[i] ?? null;
  if (result.predictions && !result.predictions.available) {
    md.appendMarkdown(`No prediction: ${result.predictions.reason}`);
    return md;
  }
  if (!p) {
    md.appendMarkdown('No prediction: nothing precedes the first token.');
    return md;
  }
  // a server's log-probs give only its top guesses: a rank beyond them and the entropy are not known
  const rank = Number.isFinite(p.rank) ? String(p.rank) : `beyond the top ${p.top.length}`;
  const entropy = Number.isFinite(p.entropy) ? `${(p.entropy / Math.LN2).toFixed(2)} bits` : 'unknown';
  md.appendMarkdown(
    `p = ${percent(Math.exp(p.logprob))} · rank ${rank} · surprisal ${(-p.logprob / Math.LN2).toFixed(2)} bits · ` +
      `entropy ${entropy}\n\n`,
  );
  md.appendMarkdown('The model expected:\n\n');
  for (const alt of p.top.slice(0, 5)) {
    md.appendMarkdown(`- ${code(alt.text)} ${percent(alt.prob)}\n`);
  }
  return md;
}

export class Highlights implements vscode.Disposable {
  private readonly types = RANK_BUCKETS.map((b) =>
    vscode.window.createTextEditorDecorationType({
      backgroundColor: BUCKET_COLORS[b.id],
      borderRadius: '2px',
      overviewRulerColor: BUCKET_COLORS[b.id],
      overviewRulerLane: vscode.OverviewRulerLane.Center,
    }),
  );
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly inspector: InspectorController) {
    this.disposables.push(
      inspector.onDidChange(() => this.apply()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.apply()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === inspector.inspected?.uri.toString()) this.apply();
      }),
      vscode.languages.registerHoverProvider({ pattern: '**' }, { provideHover: (d, p) => this.hover(d, p) }),
    );
  }

  /** How many ranges each bucket decorates now (what the editor shows). */
  counts: number[] = RANK_BUCKETS.map(() => 0);

  private apply(): void {
    const c = this.inspector.inspected;
    const on = this.inspector.snapshot.highlights;
    for (const editor of vscode.window.visibleTextEditors) {
      const mine =
        on &&
        c &&
        editor.document.uri.toString() === c.uri.toString() &&
        editor.document.version === c.version;
      const ranges: vscode.Range[][] = RANK_BUCKETS.map(() => []);
      if (mine) {
        const doc = editor.document;
        c.result.tokens.forEach((t, i) => {
          const p = c.result.positions[i];
          if (!p || t.start === t.end) return;
          ranges[rankBucketIndex(p.rank)]?.push(
            new vscode.Range(
              doc.positionAt(c.source.start + t.start),
              doc.positionAt(c.source.start + t.end),
            ),
          );
        });
        this.counts = ranges.map((r) => r.length);
      }
      this.types.forEach((type, b) => editor.setDecorations(type, ranges[b] ?? []));
    }
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const c = this.inspector.inspected;
    if (!this.inspector.snapshot.highlights || !c) return undefined;
    if (doc.uri.toString() !== c.uri.toString() || doc.version !== c.version) return undefined;
    const offset = doc.offsetAt(pos) - c.source.start;
    const i = c.result.tokens.findIndex((t) => t.start <= offset && offset < t.end);
    const tok = c.result.tokens[i];
    if (!tok) return undefined;
    const range = new vscode.Range(
      doc.positionAt(c.source.start + tok.start),
      doc.positionAt(c.source.start + tok.end),
    );
    return new vscode.Hover(tokenHover(c.result, i), range);
  }

  dispose(): void {
    for (const t of this.types) t.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
