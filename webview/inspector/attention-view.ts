// <gb-attention-view>: the layer x head grid of thumbnails (plus a mean column) and the full map of the one clicked.
import { html, nothing } from 'lit';
import type { AttentionMatrix, InspectResult } from '../../src/protocol/engine-methods';
import { count, percent } from '../shared/format';
import { unavailableNote } from './unavailable-note';
import { LightElement } from '../shared/light-element';
import { hex, unitsOf, visibleText } from '../shared/token-units';
import { cellAt, drawAttentionMap, drawThumbnail, themeColour, type MapGeometry } from './heatmap';
import type { HeadChoice, InspectorStore } from './inspector-store';

/** The mean over heads of each layer's thumbnails: [layers, size, size]. */
function headMeans(thumbnails: AttentionMatrix, layers: number, heads: number): Float32Array {
  const block = thumbnails.size * thumbnails.size;
  const out = new Float32Array(layers * block);
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      const base = (l * heads + h) * block;
      for (let k = 0; k < block; k++) {
        out[l * block + k] = (out[l * block + k] as number) + (thumbnails.data[base + k] as number) / heads;
      }
    }
  }
  return out;
}

/** Short axis labels: BOS, then each token's characters (or its bytes when it is part of a character). */
function labels(r: InspectResult): string[] {
  const { byToken } = unitsOf(r.tokens);
  const out = r.bos ? ['BOS'] : [];
  r.tokens.forEach((t, i) => {
    const u = byToken[i];
    out.push(u?.kind === 'single' ? visibleText(u.text) : hex(t.bytes));
  });
  return out;
}

const headName = (head: HeadChoice) => (head === 'mean' ? 'mean of its heads' : `head ${head + 1}`);

export class AttentionView extends LightElement {
  static override properties = { store: { attribute: false }, version: { attribute: false } };
  declare store: InspectorStore;
  declare version: number;
  private means: { from: AttentionMatrix; data: Float32Array } | null = null;
  private geometry: MapGeometry | null = null;
  private names: string[] = [];
  private drawnMap: { matrix: AttentionMatrix; width: number } | null = null;
  private readonly resize = new ResizeObserver(() => this.drawMap());

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
  }

  private thumb(layer: number, head: HeadChoice) {
    const pick = this.store.attentionPick;
    const open = pick?.layer === layer && pick.head === head;
    const name = `Layer ${layer + 1}, ${headName(head)}`;
    return html`<button
      class=${`thumb${head === 'mean' ? ' thumb-mean' : ''}${open ? ' open' : ''}`}
      data-layer=${layer}
      data-head=${head}
      aria-label=${`${name}: open its full attention map`}
      aria-pressed=${open ? 'true' : 'false'}
      title=${name}
      @click=${() => this.store.openAttention(layer, head)}
    >
      <canvas aria-hidden="true"></canvas>
    </button>`;
  }

  private grid(r: InspectResult) {
    const t = this.store.thumbnails;
    if (!t || t.status === 'loading') {
      return html`<p class="muted" role="status">
        <span class="codicon codicon-loading codicon-modifier-spin" aria-hidden="true"></span>Loading the
        attention of every layer and head…
      </p>`;
    }
    if (t.status === 'error')
      return html`<p class="view-error" role="alert">Attention failed: ${t.message}</p>`;
    const heads = Array.from({ length: r.heads }, (_, h) => h);
    return html`<div class="attention-grid" role="group" aria-label="Attention by layer and head">
      <table>
        <thead>
          <tr>
            <th scope="col"><span class="visually-hidden">Layer</span></th>
            ${heads.map((h) => html`<th scope="col">head ${h + 1}</th>`)}
            <th
              scope="col"
              title="Average of the layer’s heads (thumbnail computed here from the head thumbnails)"
            >
              mean
            </th>
          </tr>
        </thead>
        <tbody>
          ${Array.from(
            { length: r.layers },
            (_, l) =>
              html`<tr>
                <th scope="row">layer ${l + 1}</th>
                ${heads.map((h) => html`<td>${this.thumb(l, h)}</td>`)}
                <td>${this.thumb(l, 'mean')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private map(r: InspectResult) {
    const s = this.store;
    const pick = s.attentionPick;
    if (!pick) {
      return html`<p class="muted map-hint">
        Click a thumbnail to open its full map; then hover the tokens above to see what each one attends to.
      </p>`;
    }
    const a = s.attention;
    const n = r.tokens.length + (r.bos ? 1 : 0);
    return html`<section class="attention-map" aria-label="Full attention map">
      <h3>Layer ${pick.layer + 1}, ${headName(pick.head)}</h3>
      ${
        a?.status === 'error'
          ? html`<p class="view-error" role="alert">This map failed: ${a.message}</p>`
          : a?.status === 'ready'
            ? nothing
            : html`<p class="muted" role="status">Loading the map…</p>`
      }
      <p class="muted map-axes">
        Rows: the token doing the looking (query) · columns: the token looked at (key)
        ${r.bos ? ' · row and column 0: the start marker (BOS)' : ''} · ${count(n)} × ${count(n)}
      </p>
      <canvas
        class="map-canvas"
        role="img"
        aria-label=${`Attention of layer ${pick.layer + 1}, ${headName(pick.head)}: ${n} by ${n} weights`}
        @mousemove=${(e: MouseEvent) => this.readout(e)}
        @mouseleave=${() => this.setReadout('')}
      ></canvas>
      <div class="map-readout muted" aria-live="off"></div>
    </section>`;
  }

  override render() {
    const r = this.store.result;
    if (!r) return nothing;
    if (!r.attention.available) return unavailableNote('Attention', r.attention.reason);
    return html`${this.grid(r)}${this.map(r)}`;
  }

  protected override updated(): void {
    this.drawThumbnails();
    this.drawMap();
  }

  private drawThumbnails(): void {
    const t = this.store.thumbnails;
    const r = this.store.result;
    if (t?.status !== 'ready' || !r) return;
    const thumbs = t.value;
    if (this.means?.from !== thumbs)
      this.means = { from: thumbs, data: headMeans(thumbs, r.layers, r.heads) };
    const colour = themeColour(this, '--vscode-charts-blue', '#3794ff');
    const size = thumbs.size;
    const block = size * size;
    for (const button of this.querySelectorAll<HTMLElement>('button.thumb')) {
      const canvas = button.querySelector('canvas');
      if (!canvas || canvas.dataset.drawn === r.handle) continue;
      const layer = Number(button.dataset.layer);
      const head = button.dataset.head === 'mean' ? 'mean' : Number(button.dataset.head);
      if (head === 'mean') drawThumbnail(canvas, this.means.data, layer * block, size, colour);
      else drawThumbnail(canvas, thumbs.data, (layer * r.heads + head) * block, size, colour);
      canvas.dataset.drawn = r.handle;
    }
  }

  private drawMap(): void {
    const canvas = this.querySelector<HTMLCanvasElement>('canvas.map-canvas');
    const matrix = this.store.attentionMatrix;
    const r = this.store.result;
    if (!canvas || !matrix || !r) return;
    const width = Math.max(120, Math.min(640, (canvas.parentElement?.clientWidth ?? 320) - 4));
    if (this.drawnMap?.matrix === matrix && this.drawnMap.width === width && canvas.width > 0) return;
    const style = getComputedStyle(this);
    this.names = labels(r);
    this.geometry = drawAttentionMap(canvas, matrix, this.names, width, {
      cell: themeColour(this, '--vscode-charts-blue', '#3794ff'),
      text: style.getPropertyValue('--vscode-descriptionForeground').trim() || style.color,
      frame: style.getPropertyValue('--vscode-panel-border').trim() || 'rgba(128, 128, 128, 0.4)',
      font: `10px ${style.getPropertyValue('--vscode-editor-font-family').trim() || 'monospace'}`,
    });
    this.drawnMap = { matrix, width };
  }

  private readout(e: MouseEvent): void {
    const matrix = this.store.attentionMatrix;
    if (!matrix || !this.geometry) return;
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const cell = cellAt(this.geometry, e.clientX - box.left, e.clientY - box.top);
    if (!cell) return this.setReadout('');
    const names = this.names;
    const query = `“${names[cell.row] ?? ''}” (row ${cell.row})`;
    const key = `“${names[cell.col] ?? ''}” (column ${cell.col})`;
    if (cell.col > cell.row) return this.setReadout(`${query} cannot look ahead at ${key}`);
    const weight = matrix.data[cell.row * matrix.size + cell.col] ?? 0;
    this.setReadout(`${query} gives ${percent(weight)} of its attention to ${key}`);
  }

  private setReadout(text: string): void {
    const el = this.querySelector('.map-readout');
    if (el) el.textContent = text;
  }
}

customElements.define('gb-attention-view', AttentionView);
