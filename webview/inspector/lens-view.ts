// <gb-lens-view>: the logit lens for the selected token: each layer's top guesses and the real token's rank and probability.
import { html, nothing } from 'lit';
import type { LensLayerResult } from '../../src/protocol/engine-methods';
import { count, percent } from '../shared/format';
import { unavailableNote } from './unavailable-note';
import { LightElement } from '../shared/light-element';
import { tokenLabel, visibleText } from '../shared/token-units';
import type { InspectorStore } from './inspector-store';

/** The first layer whose top guess is the real token, or -1. */
export function firstTop1(rows: LensLayerResult[]): number {
  return rows.find((row) => row.rank === 1)?.layer ?? -1;
}

export class LensView extends LightElement {
  static override properties = { store: { attribute: false }, version: { attribute: false } };
  declare store: InspectorStore;
  declare version: number;

  private table(rows: LensLayerResult[], actualId: number) {
    const first = firstTop1(rows);
    const last = rows.length - 1;
    return html`<table class="lens-table">
        <caption class="visually-hidden">
          Each layer’s top predictions and the real token’s rank and probability
        </caption>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Top predictions</th>
            <th scope="col">Real token rank</th>
            <th scope="col">Real token prob.</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (row, i) =>
              html`<tr class=${row.layer === first ? 'first-top1' : ''} data-layer=${row.layer}>
                <th scope="row" class="lens-layer">
                  ${row.layer}${i === 0 ? html` <span class="muted">embeddings</span>` : nothing}${
                    i === last ? html` <span class="muted">final</span>` : nothing
                  }${
                    row.layer === first
                      ? html` <span
                          class="first-badge"
                          title="The first layer where the real token is the top guess"
                          >★ first top-1</span
                        >`
                      : nothing
                  }
                </th>
                <td class="lens-top">
                  ${row.top.map(
                    (t) =>
                      html`<span class=${`lens-guess${t.id === actualId ? ' actual' : ''}`}
                        ><code>${visibleText(t.text)}</code>
                        <span class="muted">${percent(t.prob)}</span></span
                      >`,
                  )}
                </td>
                <td class="lens-rank">${count(row.rank)}</td>
                <td class="lens-prob">${percent(row.prob)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${first < 0 ? html`<p class="muted">The real token is not the top guess at any layer.</p>` : nothing}`;
  }

  override render() {
    const s = this.store;
    const r = s.result;
    if (!r) return nothing;
    if (!r.lens.available) return unavailableNote('The logit lens', r.lens.reason);
    const position = s.selected;
    const token = r.tokens[position];
    if (!token) return nothing;
    const title = html`<h3 class="lens-title">
      Predicting token ${count(position + 1)} <code>${tokenLabel(r.tokens, position)}</code> from the tokens
      before it
    </h3>`;
    const lens = s.lens;
    if (!lens) {
      return html`${title}
        <p class="no-prediction">
          no prediction (first token): nothing comes before it. Choose another token.
        </p>`;
    }
    if (lens.status === 'loading')
      return html`${title}
        <p class="muted" role="status">Loading the lens…</p>`;
    if (lens.status === 'error') {
      return html`${title}
        <p class="view-error" role="alert">The logit lens failed: ${lens.message}</p>`;
    }
    return html`${title}${this.table(lens.value, token.id)}`;
  }
}

customElements.define('gb-lens-view', LensView);
