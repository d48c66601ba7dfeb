// <gb-context-meter>: prompt tokens against the model's context window, as numbers and a bar.
import { html, nothing } from 'lit';
import type { ContextUse } from '../../src/protocol/panel-methods';
import { LightElement } from '../shared/light-element';

const fmt = (n: number) => n.toLocaleString('en-US');

export class ContextMeter extends LightElement {
  static override properties = { use: { attribute: false }, error: { attribute: false } };
  declare use: ContextUse | null;
  declare error: string | null;

  constructor() {
    super();
    this.use = null;
    this.error = null;
  }

  override render() {
    if (this.error) {
      return html`<div class="context-meter context-unknown">Context use unknown: ${this.error}</div>`;
    }
    const use = this.use;
    if (!use) return nothing;
    const fraction = use.contextLength > 0 ? Math.min(1, use.promptTokens / use.contextLength) : 1;
    const level = use.remaining <= 0 ? 'full' : fraction >= 0.85 ? 'high' : 'ok';
    const text = `${fmt(use.promptTokens)} / ${fmt(use.contextLength)} tokens`;
    return html`<div class="context-meter context-${level}">
      <div
        class="meter-track"
        role="meter"
        aria-label="Context used"
        aria-valuemin="0"
        aria-valuemax=${use.contextLength}
        aria-valuenow=${Math.min(use.promptTokens, use.contextLength)}
        aria-valuetext=${`${text}, ${fmt(use.remaining)} left for the answer`}
      >
        <div class="meter-fill" data-fraction=${fraction}></div>
      </div>
      <span
        class="meter-text"
        title="Prompt tokens (conversation and draft, chat template applied) / context length"
        >${text}</span
      >
    </div>`;
  }

  // the bar's width goes through the CSSOM: a style attribute (what lit's styleMap writes first) breaks the CSP
  protected override updated(): void {
    const fill = this.querySelector<HTMLElement>('.meter-fill');
    if (fill) fill.style.width = `${(Number(fill.dataset.fraction) * 100).toFixed(1)}%`;
  }
}

customElements.define('gb-context-meter', ContextMeter);
