// Follows the editor selection for the inspector: debounced inspections (newest wins), pin, reveal, state for the panel.
import * as vscode from 'vscode';
import type { EngineBackend } from '../../client/engine-backend';
import type { ModelManager } from '../models/model-manager';
import type { InspectResult } from '../../protocol/engine-methods';
import type { InspectorState, InspectSource } from '../../protocol/panel-methods';

const DEBOUNCE_MS = 300;
/** Longer selections are cut here before tokenizing (the engine then inspects what fits its context and says so). */
const MAX_CHARS = 200_000;

interface Inspected {
  uri: vscode.Uri;
  version: number;
  source: InspectSource;
  result: InspectResult;
}

export class InspectorController implements vscode.Disposable {
  private state: InspectorState = { state: 'idle', highlights: false };
  private current: Inspected | undefined;
  private pinned = false;
  private timer: NodeJS.Timeout | undefined;
  private running: AbortController | undefined;
  private ticket = 0;
  /** The range a token click just selected: that selection change is ours, not a new text to inspect. */
  private revealed: { uri: string; start: number; end: number } | undefined;
  private readonly changed = new vscode.EventEmitter<InspectorState>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: EngineBackend,
    private readonly models: ModelManager,
    private readonly log: vscode.LogOutputChannel,
    /** Whether anyone looks: the panel is visible or editor highlights are on. */
    private readonly watched: () => boolean,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => this.selectionChanged(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((e) => e && this.selectionChanged(e)),
      models.onDidChangeStatus((s) => {
        if (s.state === 'ready' && !this.pinned) this.schedule(0);
        if (s.state !== 'ready') this.current = undefined;
      }),
    );
  }

  get snapshot(): InspectorState {
    return this.state;
  }

  get inspected(): Inspected | undefined {
    return this.current;
  }

  setHighlights(on: boolean): void {
    this.update({ ...this.state, highlights: on });
    if (on && !this.current) this.schedule(0);
  }

  setPinned(pinned: boolean): void {
    this.pinned = pinned;
    if (this.current) this.current.source.pinned = pinned;
    if (this.state.source) this.update({ ...this.state, source: { ...this.state.source, pinned } });
    if (!pinned) this.schedule(0);
  }

  /** Inspects the active editor's selection now (a pinned text is re-inspected as it is). */
  async refresh(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.inspect(true);
  }

  /** The text of the current inspection, or of the selection when nothing is inspected yet. */
  async text(): Promise<string | undefined> {
    const c = this.current;
    if (!c) return this.selectionTarget()?.text;
    const doc = await vscode.workspace.openTextDocument(c.uri);
    return doc.getText(new vscode.Range(doc.positionAt(c.source.start), doc.positionAt(c.source.end)));
  }

  /** Selects `start..end` of the inspected text in its editor. */
  async reveal(start: number, end: number): Promise<void> {
    const c = this.current;
    if (!c) throw new Error('nothing is inspected');
    const doc = await vscode.workspace.openTextDocument(c.uri);
    if (doc.version !== c.version)
      throw new Error('the file changed since it was inspected: inspect it again');
    const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false, preview: false });
    const range = new vscode.Range(
      doc.positionAt(c.source.start + start),
      doc.positionAt(c.source.start + end),
    );
    this.revealed = { uri: doc.uri.toString(), start: c.source.start + start, end: c.source.start + end };
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private selectionChanged(editor: vscode.TextEditor): void {
    if (this.pinned || editor.document.uri.scheme === 'output') return;
    const r = this.revealed;
    if (
      r &&
      r.uri === editor.document.uri.toString() &&
      editor.document.offsetAt(editor.selection.start) === r.start &&
      editor.document.offsetAt(editor.selection.end) === r.end
    ) {
      return;
    }
    this.revealed = undefined;
    this.schedule(DEBOUNCE_MS);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.inspect(false), ms);
  }

  private async inspect(forced: boolean): Promise<void> {
    if (!forced && !this.watched()) return;
    const target = this.pinned && this.current ? this.pinnedTarget() : this.selectionTarget();
    if (!target) return;
    if (!forced && this.current && sameTarget(this.current, target)) return;
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const ticket = ++this.ticket;
    const started = Date.now();
    // the previous result stays, with its own source, until the new one is ready
    this.update({ ...this.state, state: 'running' });
    try {
      const info = await this.models.ready();
      const result = await this.client.request(
        'inspect/run',
        { text: target.text, topK: 10 },
        { signal: controller.signal },
      );
      if (ticket !== this.ticket) {
        void this.client.request('inspect/release', { handle: result.handle }).catch(() => undefined);
        return;
      }
      const previous = this.current;
      this.current = { uri: target.uri, version: target.version, source: target.source, result };
      if (previous)
        void this.client
          .request('inspect/release', { handle: previous.result.handle })
          .catch(() => undefined);
      this.update({
        state: 'ready',
        source: target.source,
        result,
        model: info.name,
        elapsedMs: Date.now() - started,
        highlights: this.state.highlights,
      });
    } catch (e) {
      if (ticket !== this.ticket || controller.signal.aborted) return;
      const message = (e as Error).message;
      this.log.warn(`inspector: ${message}`);
      this.update({ ...this.state, state: 'error', message });
    }
  }

  private selectionTarget() {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selection.isEmpty) return undefined;
    const doc = editor.document;
    const start = doc.offsetAt(editor.selection.start);
    const end = Math.min(doc.offsetAt(editor.selection.end), start + MAX_CHARS);
    return targetOf(doc, start, end, this.pinned);
  }

  private pinnedTarget() {
    const c = this.current as Inspected;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === c.uri.toString());
    return doc ? targetOf(doc, c.source.start, c.source.end, true) : undefined;
  }

  private update(next: InspectorState): void {
    this.state = next;
    this.changed.fire(next);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.running?.abort();
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function targetOf(doc: vscode.TextDocument, start: number, end: number, pinned: boolean) {
  const range = new vscode.Range(doc.positionAt(start), doc.positionAt(end));
  return {
    uri: doc.uri,
    version: doc.version,
    text: doc.getText(range),
    source: {
      file: doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri, false),
      language: doc.languageId,
      start,
      end,
      startLine: range.start.line + 1,
      // a selection of whole lines ends at column 0 of the next line, which it does not include
      endLine:
        range.end.character === 0 && range.end.line > range.start.line ? range.end.line : range.end.line + 1,
      pinned,
    } satisfies InspectSource,
  };
}

function sameTarget(a: Inspected, b: { uri: vscode.Uri; version: number; source: InspectSource }): boolean {
  return (
    a.uri.toString() === b.uri.toString() &&
    a.version === b.version &&
    a.source.start === b.source.start &&
    a.source.end === b.source.end
  );
}
