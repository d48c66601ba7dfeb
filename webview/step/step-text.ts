// <gb-step-text>: the step-through's text so far: prompt and appended tokens (characters split over tokens grouped).
import { html, nothing } from 'lit';
import { RANK_BUCKETS, rankBucket } from '../../src/protocol/rank-buckets';
import { count, percent } from '../shared/format';
import { LightElement } from '../shared/light-element';
import { tokenUnits, visibleText, type TokenUnit } from '../shared/token-units';
import type { StepSession } from './step-store';

const lossy = new TextDecoder('utf-8');

/** The appended tokens' text: their bytes decoded together, a character still incomplete at the end left out. */
export function generatedText(session: StepSession): string {
  const bytes = session.generated.flatMap((t) => Array.from(t.bytes));
  return lossy.decode(Uint8Array.from(bytes)).replace(/\uFFFD+$/, '');
}

export class StepTextView extends LightElement {
  static override properties = { session: { attribute: false } };
  declare session: StepSession;

  private unit(unit: TokenUnit, promptLength: number) {
    const first = unit.kind === 'single' ? unit.index : unit.first;
    const text = visibleText(unit.text);
    if (first < promptLength) return html`<span class="step-tok prompt-tok">${text}</span><wbr />`;
    const t = this.session.generated[first - promptLength];
    if (!t) return nothing;
    const tokens = unit.kind === 'group' ? ` (${unit.last - unit.first + 1} tokens make this character)` : '';
    return html`<span
        class="step-tok gen-tok b-${rankBucket(t.rank)}"
        title=${`id ${t.id} · p ${percent(t.prob)} · rank ${count(t.rank)} when it was appended${tokens}`}
        >${text}</span
      ><wbr />`;
  }

  override render() {
    const session = this.session;
    const all = [...session.prompt, ...session.generated];
    const text = generatedText(session);
    return html`<section class="step-text" aria-label="Text so far">
      <h3>Text so far</h3>
      <p class="step-tokens">${tokenUnits(all).map((u) => this.unit(u, session.prompt.length))}</p>
      <p class="muted">
        ${count(session.prompt.length)} prompt tokens ·
        <span class="generated-count">${count(session.generated.length)}</span> generated, coloured by the
        rank the model gave each:
        ${RANK_BUCKETS.map((b) => html`<span class="swatch b-${b.id}" aria-hidden="true"></span>${b.label} `)}
      </p>
      ${
        session.generated.length
          ? html`<pre class="generated-text" aria-label="Generated text">${text}</pre>`
          : nothing
      }
    </section>`;
  }
}

customElements.define('gb-step-text', StepTextView);
