// <gb-view-note>: a view's collapsible "What am I seeing?" paragraph.
import { html } from 'lit';
import { LightElement } from '../shared/light-element';

export class ViewNote extends LightElement {
  static override properties = { text: { attribute: false } };
  declare text: string;

  constructor() {
    super();
    this.text = '';
  }

  override render() {
    return html`<details class="view-note">
      <summary><span class="codicon codicon-info" aria-hidden="true"></span>What am I seeing?</summary>
      <p>${this.text}</p>
    </details>`;
  }
}

customElements.define('gb-view-note', ViewNote);
