// The Inspector tab's state: the host's InspectorState, the selected token, and the data the view on show needs (fetched by its actions).
import type {
  AttentionMatrix,
  InspectResult,
  LensLayerResult,
  NeighbourResult,
} from '../../src/protocol/engine-methods';
import type { InspectorState } from '../../src/protocol/panel-methods';
import type { Messenger } from '../shared/messenger';
import { Store } from '../shared/store';
import type { ColourMode, InspectorView, UiState } from '../shared/ui-state';
import { StepStore } from '../step/step-store';

/** What the webview asks for (test/webview/fixtures/record-inspect.ts records the same). */
export const THUMBNAIL_SIZE = 24;
export const LENS_TOP_K = 5;
export const NEIGHBOURS_TOP_K = 10;

export type Loadable<T> =
  { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };

export type HeadChoice = number | 'mean';

/** What the inspector needs from the panel around it. */
export interface InspectorHost {
  ui(): UiState;
  save(): void;
  showError(what: string, error: unknown): void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const LOADING = { status: 'loading' } as const;

export class InspectorStore extends Store {
  state: InspectorState = { state: 'idle', highlights: false };
  /** The result on screen: the state's own, or the previous one while a new inspection runs. */
  result: InspectResult | null = null;
  /** The chosen token (lens position, neighbours, details); the last token by default. */
  selected = -1;
  thumbnails: Loadable<AttentionMatrix> | null = null;
  /** The full attention map on show. */
  attentionPick: { layer: number; head: HeadChoice } | null = null;
  attention: Loadable<AttentionMatrix> | null = null;
  readonly step: StepStore;
  private readonly lensCache = new Map<number, Loadable<LensLayerResult[]>>();
  private readonly neighbourCache = new Map<number, Loadable<NeighbourResult[]>>();
  private readonly matrices = new Map<string, AttentionMatrix>();
  private opened = false;

  constructor(
    private readonly messenger: Messenger,
    private readonly host: InspectorHost,
  ) {
    super();
    this.step = new StepStore(messenger);
  }

  get view(): InspectorView {
    return this.host.ui().inspectorView;
  }

  setView(view: InspectorView): void {
    if (this.view === view) return;
    this.host.ui().inspectorView = view;
    this.host.save();
    this.load();
    this.emit();
  }

  get colourMode(): ColourMode {
    return this.host.ui().colourMode;
  }

  setColourMode(mode: ColourMode): void {
    if (this.colourMode === mode) return;
    this.host.ui().colourMode = mode;
    this.host.save();
    this.emit();
  }

  /** The tab opened: ask the host for its state once (notifications keep it current after that). */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.messenger.request('inspect/state', undefined).then(
      (state) => {
        if (state && typeof state === 'object') this.update(state);
      },
      (error: unknown) => this.host.showError('The inspector could not get its state', error),
    );
  }

  /** A new state from the host. A new result resets everything fetched for the previous one. */
  update(state: InspectorState): void {
    this.state = state;
    const next = state.result ?? (state.state === 'running' ? this.result : null);
    if (next?.handle !== this.result?.handle) {
      this.thumbnails = null;
      this.attentionPick = null;
      this.attention = null;
      this.lensCache.clear();
      this.matrices.clear();
      this.selected = next ? next.tokens.length - 1 : -1;
    }
    this.result = next;
    this.load();
    this.emit();
  }

  get running(): boolean {
    return this.state.state === 'running';
  }

  /** Chooses token `index` (clamped to the tokens). */
  select(index: number): void {
    const n = this.result?.tokens.length ?? 0;
    if (n === 0) return;
    const i = Math.max(0, Math.min(n - 1, index));
    if (i === this.selected) return;
    this.selected = i;
    this.load();
    this.emit();
  }

  /** Selects token `index`'s text in its editor. */
  reveal(index: number): Promise<void> {
    const token = this.result?.tokens[index];
    if (!token) return Promise.resolve();
    return this.call('Showing the token in the editor failed', () =>
      this.messenger.request('inspect/reveal', { start: token.start, end: token.end }),
    );
  }

  setPinned(pinned: boolean): Promise<void> {
    if (this.state.source) this.state = { ...this.state, source: { ...this.state.source, pinned } };
    this.emit();
    return this.call('Pinning failed', () => this.messenger.request('inspect/pin', { pinned }));
  }

  refresh(): Promise<void> {
    return this.call('Inspecting the selection failed', () =>
      this.messenger.request('inspect/refresh', undefined),
    );
  }

  setHighlights(on: boolean): Promise<void> {
    this.state = { ...this.state, highlights: on };
    this.emit();
    return this.call('Turning editor highlights on or off failed', () =>
      this.messenger.request('inspect/highlights', { on }),
    );
  }

  /** Every layer's and head's map in small blocks, fetched once per result. */
  private loadThumbnails(result: InspectResult): void {
    if (this.thumbnails || !result.attention.available) return;
    this.thumbnails = { status: 'loading' };
    this.fetch(
      result,
      () => this.messenger.request('inspect/thumbnails', { handle: result.handle, size: THUMBNAIL_SIZE }),
      (value) => (this.thumbnails = { status: 'ready', value }),
      (error) => (this.thumbnails = { status: 'error', message: error }),
    );
  }

  /** Shows one head's full map (or the mean over heads), fetched on demand and kept for this result. */
  openAttention(layer: number, head: HeadChoice): void {
    const result = this.result;
    if (!result) return;
    this.attentionPick = { layer, head };
    const key = `${layer}:${head}`;
    const held = this.matrices.get(key);
    this.attention = held ? { status: 'ready', value: held } : { status: 'loading' };
    this.emit();
    if (held) return;
    this.fetch(
      result,
      () => this.messenger.request('inspect/attention', { handle: result.handle, layer, head }),
      (matrix) => {
        this.matrices.set(key, matrix);
        if (this.attentionPick?.layer === layer && this.attentionPick.head === head) {
          this.attention = { status: 'ready', value: matrix };
        }
      },
      (error) => {
        if (this.attentionPick?.layer === layer && this.attentionPick.head === head) {
          this.attention = { status: 'error', message: error };
        }
      },
    );
  }

  /** The open full map, when it has arrived. */
  get attentionMatrix(): AttentionMatrix | null {
    return this.attention?.status === 'ready' ? this.attention.value : null;
  }

  /** The logit lens at the selected token: each layer's prediction; null when there is none to show. */
  get lens(): Loadable<LensLayerResult[]> | null {
    const r = this.result;
    if (!r || !r.lens.available || !r.positions[this.selected]) return null;
    return this.lensCache.get(this.selected) ?? LOADING;
  }

  /** The tokens nearest to the selected one in the embedding matrix; null when no token is selected. */
  get neighbours(): Loadable<NeighbourResult[]> | null {
    const id = this.result?.tokens[this.selected]?.id;
    if (id === undefined || !this.result?.embeddings.available) return null;
    return this.neighbourCache.get(id) ?? LOADING;
  }

  /** Fetches what the view on show needs for the result and the selected token, unless it is held already. */
  private load(): void {
    const result = this.result;
    if (!result) return;
    if (this.view === 'attention') this.loadThumbnails(result);
    else if (this.view === 'lens') this.loadLens(result, this.selected);
    else if (this.view === 'embeddings' && result.embeddings.available)
      this.loadNeighbours(result.tokens[this.selected]?.id);
  }

  /** Each layer's prediction for token `position`, fetched once per result. */
  private loadLens(result: InspectResult, position: number): void {
    if (!result.lens.available || !result.positions[position] || this.lensCache.has(position)) return;
    this.lensCache.set(position, LOADING);
    this.fetch(
      result,
      () => this.messenger.request('inspect/lens', { handle: result.handle, position, topK: LENS_TOP_K }),
      (value) => this.lensCache.set(position, { status: 'ready', value }),
      (error) => this.lensCache.set(position, { status: 'error', message: error }),
    );
  }

  /** The tokens nearest to token `id`, fetched once (they do not depend on the text). */
  private loadNeighbours(id: number | undefined): void {
    if (id === undefined || this.neighbourCache.has(id)) return;
    this.neighbourCache.set(id, LOADING);
    this.messenger
      .request('inspect/neighbours', { id, topK: NEIGHBOURS_TOP_K })
      .then(
        (value) => this.neighbourCache.set(id, { status: 'ready', value }),
        (error: unknown) => this.neighbourCache.set(id, { status: 'error', message: message(error) }),
      )
      .finally(() => this.emit());
  }

  /** Runs a request for `result`; its answer is dropped when another result has replaced it meanwhile. */
  private fetch<T>(
    result: InspectResult,
    request: () => Promise<T>,
    done: (value: T) => void,
    failed: (message: string) => void,
  ): void {
    request().then(
      (value) => {
        if (this.result?.handle !== result.handle) return;
        done(value);
        this.emit();
      },
      (error: unknown) => {
        if (this.result?.handle !== result.handle) return;
        failed(message(error));
        this.emit();
      },
    );
  }

  private call(what: string, action: () => Promise<unknown>): Promise<void> {
    return this.attempt(what, action, (w, e) => this.host.showError(w, e));
  }
}
