// <gb-neighbours-view>: the selected token's nearest tokens in the embedding matrix, with cosine similarity bars.
import { html, nothing } from 'lit';
import { unavailableNote } from './unavailable-note';
import { LightElement } from '../shared/light-element';
import { tokenLabel, visibleText } from '../shared/token-units';
import type { InspectorStore } from './inspector-store';

export class NeighboursView extends LightElement {
  static override properties = { store: { attribute: false }, version: { attribute: false } };
  declare store: InspectorStore;
  declare version: number;

  override render() {
    const s = this.store;
    const r = s.result;
    const token = r?.tokens[s.selected];
    if (!r || !token) return nothing;
    const title = html`<h3 class="neighbours-title">
      Nearest to <code>${tokenLabel(r.tokens, s.selected)}</code> <span class="muted">(id ${token.id})</span>
    </h3>`;
    if (!r.embeddings.available)
      return html`${title}${unavailableNote('The embedding table', r.embeddings.reason)}`;
    const list = s.neighbours;
    if (!list || list.status === 'loading')
      return html`${title}
        <p class="muted" role="status">Loading…</p>`;
    if (list.status === 'error') {
      return html`${title}
        <p class="view-error" role="alert">The neighbours failed: ${list.message}</p>`;
    }
    return html`${title}
      <ol class="neighbours" aria-label="Nearest tokens by cosine similarity">
        ${list.value.map(
          (n) =>
            html`<li class=${n.id === token.id ? 'self' : ''}>
              <code class="neighbour-text">${visibleText(n.text)}</code>
              <span class="muted neighbour-id">${n.id}</span>
              <span class="bar" aria-hidden="true"
                ><span class="bar-fill" data-value=${n.cosine}></span
              ></span>
              <span class="neighbour-cosine" title=${`cosine similarity ${n.cosine}`}
                >${n.cosine.toFixed(3)}</span
              >
            </li>`,
        )}
      </ol>`;
  }

  // bar widths go through the CSSOM: a style attribute breaks the CSP
  protected override updated(): void {
    for (const fill of this.querySelectorAll<HTMLElement>('.bar-fill')) {
      const v = Math.max(0, Math.min(1, Number(fill.dataset.value)));
      fill.style.width = `${(v * 100).toFixed(1)}%`;
    }
  }
}

customElements.define('gb-neighbours-view', NeighboursView);
