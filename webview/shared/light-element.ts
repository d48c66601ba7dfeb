// Base of the panel's Lit elements: they render into the light DOM, so the one panel stylesheet (dist/webview.css) applies.
import { LitElement } from 'lit';

export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}
