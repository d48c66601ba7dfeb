// <gb-token-details>: the hovered (else the selected) token: id, bytes, text, and in the Prediction view its numbers.
import { html, nothing } from 'lit';
import type { InspectPosition, InspectResult } from '../../src/protocol/engine-methods';
import { rankBucket } from '../../src/protocol/rank-buckets';
import { bits, count, natsToBits, percent, surprisalBits } from '../shared/format';
import { LightElement } from '../shared/light-element';
import { hex, tokenLabel, visibleText } from '../shared/token-units';
import type { AttentionLinks } from './token-strip';

export type DetailsKind = 'token' | 'prediction' | 'attention';

/** A server's log-probs give only its top guesses: a rank beyond them, and the entropy, are not known. */
export const rankText = (p: InspectPosition) =>
  Number.isFinite(p.rank) ? count(p.rank) : `beyond the top ${p.top.length}`;
export const entropyText = (p: InspectPosition) =>
  Number.isFinite(p.entropy)
    ? bits(natsToBits(p.entropy))
    : 'unknown (the server gives only its top guesses)';

export class TokenDetails extends LightElement {
  static override properties = {
    result: { attribute: false },
    index: { attribute: false },
    hovered: { attribute: false },
    kind: { attribute: false },
    links: { attribute: false },
  };
  declare result: InspectResult | null;
  /** The selected token. */
  declare index: number;
  /** The token under the pointer or focus (-1: none); shown instead of the selected one. */
  declare hovered: number;
  declare kind: DetailsKind;
  declare links: AttentionLinks | null;

  constructor() {
    super();
    this.result = null;
    this.index = -1;
    this.hovered = -1;
    this.kind = 'token';
    this.links = null;
  }

  private prediction(p: InspectPosition | null, actualId: number) {
    const predictions = this.result?.predictions;
    if (predictions && !predictions.available) {
      return html`<p class="no-prediction">no prediction: ${predictions.reason}</p>`;
    }
    if (!p) {
      return html`<p class="no-prediction">no prediction (first token): nothing comes before it</p>`;
    }
    return html`<dl class="numbers">
        <div>
          <dt>probability</dt>
          <dd class="prob">${percent(Math.exp(p.logprob))}</dd>
        </div>
        <div>
          <dt>rank</dt>
          <dd class="rank rank-${rankBucket(p.rank)}">${rankText(p)}</dd>
        </div>
        <div>
          <dt>surprisal</dt>
          <dd class="surprisal">${bits(surprisalBits(p.logprob))}</dd>
        </div>
        <div>
          <dt>entropy</dt>
          <dd class="entropy">${entropyText(p)}</dd>
        </div>
      </dl>
      <div class="alternatives-title muted">The model’s top ${p.top.length} guesses here:</div>
      <ol class="alternatives">
        ${p.top.map(
          (a) =>
            html`<li class=${a.id === actualId ? 'actual' : ''}>
              <code class="alt-text">${visibleText(a.text)}</code
              ><span class="alt-prob">${percent(a.prob)}</span>${
                a.id === actualId ? html`<span class="muted"> ← the real token</span>` : nothing
              }
            </li>`,
        )}
      </ol>`;
  }

  private attention(index: number) {
    const links = this.links;
    if (!links) return html`<p class="muted">Open a map below to see what this token attends to.</p>`;
    const { matrix, offset } = links;
    const row = index + offset;
    const n = matrix.size;
    const self = matrix.data[row * n + row] ?? 0;
    const bos = offset > 0 ? (matrix.data[row * n] ?? 0) : null;
    return html`<p class="attention-summary">
      ${
        bos === null
          ? nothing
          : html`<span>gives <strong>${percent(bos)}</strong> of its attention to the start marker (BOS)</span
              >; `
      }
      <span>${percent(self)} to itself</span>
    </p>`;
  }

  override render() {
    const r = this.result;
    const i = this.hovered >= 0 ? this.hovered : this.index;
    const t = r?.tokens[i];
    if (!r || !t) return nothing;
    const what = this.hovered >= 0 ? 'Hovered' : 'Selected';
    return html`<section class="token-details" aria-live="polite" aria-label="Token details">
      <div class="details-head">
        <span class="muted">${what} token ${count(i + 1)} of ${count(r.tokens.length)}</span>
        <code class="details-text">${tokenLabel(r.tokens, i) || '(empty)'}</code>
      </div>
      <dl class="numbers">
        <div>
          <dt>id</dt>
          <dd class="token-id">${t.id >= 0 ? t.id : 'unknown (the server does not say)'}</dd>
        </div>
        <div>
          <dt>bytes</dt>
          <dd class="token-bytes">${hex(t.bytes)}</dd>
        </div>
        <div>
          <dt>characters</dt>
          <dd>${t.start}–${t.end}</dd>
        </div>
      </dl>
      ${this.kind === 'prediction' ? this.prediction(r.positions[i] ?? null, t.id) : nothing}
      ${this.kind === 'attention' ? this.attention(i) : nothing}
    </section>`;
  }
}

customElements.define('gb-token-details', TokenDetails);
