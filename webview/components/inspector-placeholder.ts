// <gb-inspector-placeholder>: the Inspector tab until the inspector exists; says so plainly, shows no made-up data.
import { html } from 'lit';
import { LightElement } from './light-element';

export class InspectorPlaceholder extends LightElement {
  override render() {
    return html`<section class="placeholder" aria-label="Inspector">
      <span class="codicon codicon-inspect placeholder-icon" aria-hidden="true"></span>
      <h2>The inspector is being built</h2>
      <p>
        This tab will show what the model does with the text you select: its tokens, the probability it gave
        each next token, attention maps, the logit lens and a step-by-step view of generation.
      </p>
      <p class="muted">It is not ready yet, so there is nothing to show here for now.</p>
    </section>`;
  }
}

customElements.define('gb-inspector-placeholder', InspectorPlaceholder);
