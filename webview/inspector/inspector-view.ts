// <gb-inspector>: the Inspector tab: header, then one tab per view (tokens, prediction, attention, lens, embeddings, generate).
import { html, nothing } from 'lit';
import type { VscTabsSelectEvent } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import type { InspectResult } from '../../src/protocol/engine-methods';
import { RANK_BUCKETS, rankBucket } from '../../src/protocol/rank-buckets';
import { count, SURPRISAL_FULL_BITS } from '../shared/format';
import { LightElement } from '../shared/light-element';
import { StoreWatcher } from '../shared/store';
import { INSPECTOR_VIEWS, type InspectorView } from '../shared/ui-state';
import type { InspectorStore } from './inspector-store';
import { NOTES } from './notes';
import type { DetailsKind, TokenDetails } from './token-details';
import type { AttentionLinks, StripMode, TokenHoverEvent } from './token-strip';

const TITLES: Record<InspectorView, string> = {
  tokens: 'Tokens',
  prediction: 'Prediction',
  attention: 'Attention',
  lens: 'Logit lens',
  embeddings: 'Embeddings',
  generate: 'Generate',
};

export class InspectorTab extends LightElement {
  static override properties = { store: { attribute: false } };
  declare store: InspectorStore;
  /** How many times the tab rendered (hovering a token must not re-render it). */
  renders = 0;
  private readonly watcher = new StoreWatcher(this);
  private readonly onHover = (e: TokenHoverEvent) => {
    const details = this.querySelector<TokenDetails>('gb-token-details');
    if (details) details.hovered = e.detail.index;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('gb-token-hover', this.onHover);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('gb-token-hover', this.onHover);
  }

  protected override updated(): void {
    this.renders++;
  }

  private strip(r: InspectResult, mode: StripMode, links: AttentionLinks | null = null) {
    const s = this.store;
    return html`<div class="strip-scroll">
      <gb-token-strip
        .result=${r}
        .mode=${mode}
        .selected=${s.selected}
        .links=${links}
        .onPick=${(index: number, reveal: boolean) => {
          s.select(index);
          if (reveal) void s.reveal(index);
        }}
      ></gb-token-strip>
    </div>`;
  }

  private details(r: InspectResult, kind: DetailsKind, links: AttentionLinks | null = null) {
    return html`<gb-token-details
      .result=${r}
      .index=${this.store.selected}
      .kind=${kind}
      .links=${links}
    ></gb-token-details>`;
  }

  private legend(r: InspectResult) {
    const s = this.store;
    if (s.colourMode === 'surprisal') {
      return html`<div class="legend surprisal-legend" aria-label="Surprisal colour scale">
        <span>0 bits (expected)</span><span class="surprisal-scale" aria-hidden="true"></span
        ><span>${SURPRISAL_FULL_BITS}+ bits (surprising)</span>
      </div>`;
    }
    const counts = { top1: 0, top10: 0, top100: 0, beyond: 0 };
    let none = 0;
    for (const p of r.positions) {
      if (p) counts[rankBucket(p.rank)]++;
      else none++;
    }
    return html`<ul class="legend rank-legend" aria-label="Rank colours">
      ${RANK_BUCKETS.map(
        (b) =>
          html`<li class="legend-${b.id}" title=${b.title}>
            <span class="swatch b-${b.id}" aria-hidden="true"></span>${b.label}
            <span class="legend-count muted">(${count(counts[b.id])})</span>
          </li>`,
      )}
      ${none ? html`<li class="legend-none"><span class="swatch b-none"></span>no prediction (${none})</li>` : nothing}
    </ul>`;
  }

  private colourMode() {
    const s = this.store;
    return html`<vscode-radio-group class="colour-mode" aria-label="Colour tokens by">
      <vscode-radio
        name="colour-mode"
        label="Rank (GLTR)"
        value="rank"
        ?checked=${s.colourMode === 'rank'}
        @change=${() => s.setColourMode('rank')}
      ></vscode-radio>
      <vscode-radio
        name="colour-mode"
        label="Surprisal (bits)"
        value="surprisal"
        ?checked=${s.colourMode === 'surprisal'}
        @change=${() => s.setColourMode('surprisal')}
      ></vscode-radio>
    </vscode-radio-group>`;
  }

  private content(view: InspectorView) {
    const s = this.store;
    if (view === 'generate') return html`<gb-step-view .store=${s.step}></gb-step-view>`;
    const r = s.result;
    if (!r) return html`<p class="muted view-empty">Nothing inspected yet.</p>`;
    switch (view) {
      case 'tokens':
        return html`${this.strip(r, 'plain')}${this.details(r, 'token')}`;
      case 'prediction':
        return html`<div class="view-controls">${this.colourMode()}${this.legend(r)}</div>
          ${this.strip(r, s.colourMode)}${this.details(r, 'prediction')}`;
      case 'attention': {
        const matrix = s.attentionMatrix;
        const links = matrix ? { matrix, offset: r.bos ? 1 : 0 } : null;
        return html`${this.strip(r, 'plain', links)}${this.details(r, 'attention', links)}
          <gb-attention-view .store=${s} .version=${s.version}></gb-attention-view>`;
      }
      case 'lens':
        return html`${this.strip(r, 'plain')}<gb-lens-view .store=${s} .version=${s.version}></gb-lens-view>`;
      case 'embeddings':
        return html`${this.strip(r, 'plain')}${this.details(r, 'token')}
          <gb-neighbours-view .store=${s} .version=${s.version}></gb-neighbours-view>`;
    }
  }

  override render() {
    const s = this.store;
    const view = s.view;
    const selectedIndex = INSPECTOR_VIEWS.indexOf(view);
    return html`<gb-inspector-header .store=${s} .version=${s.version}></gb-inspector-header>
      <vscode-tabs
        class="inspector-tabs"
        selected-index=${selectedIndex}
        @vsc-tabs-select=${(e: VscTabsSelectEvent) => {
          const next = INSPECTOR_VIEWS[e.detail.selectedIndex];
          if (next) s.setView(next);
        }}
      >
        ${INSPECTOR_VIEWS.map(
          (v) =>
            html`<vscode-tab-header slot="header" class=${`view-tab view-tab-${v}`}
                >${TITLES[v]}</vscode-tab-header
              ><vscode-tab-panel class=${`view-panel view-${v}`}
                >${
                  v === view
                    ? html`<div class=${`view-body${s.running && v !== 'generate' ? ' dimmed' : ''}`}>
                        <gb-view-note .text=${NOTES[v]}></gb-view-note>
                        ${this.content(v)}
                      </div>`
                    : nothing
                }</vscode-tab-panel
              >`,
        )}
      </vscode-tabs>`;
  }
}

customElements.define('gb-inspector', InspectorTab);

declare global {
  interface HTMLElementTagNameMap {
    'gb-inspector': InspectorTab;
  }
}
