// <gb-first-run>: the first-run notice that the bundled model is a tiny demonstration, and how to use a real one.
import { html } from 'lit';
import { LightElement } from '../shared/light-element';
import type { PanelStore } from './panel-store';

export class FirstRunNotice extends LightElement {
  static override properties = { store: { attribute: false } };
  declare store: PanelStore;

  override render() {
    const name = this.store.model?.name ?? 'the bundled model';
    return html`<section class="notice" role="region" aria-label="About the bundled model">
      <span class="codicon codicon-info" aria-hidden="true"></span>
      <div class="notice-body">
        <p>
          Glassbox is running <strong>${name}</strong>, a tiny demonstration model that ships with the
          extension. It runs offline and shows how everything works, but its answers are not useful.
        </p>
        <p>
          To chat with a real model, choose one: a model already in your Hugging Face cache, one to download
          from the Hub, or any Hugging Face ONNX model folder (<code>glassbox.modelPath</code>).
        </p>
        <div class="notice-actions">
          <vscode-button @click=${() => void this.store.chooseModel()}>Choose model…</vscode-button>
          <vscode-button secondary @click=${() => void this.store.openModelSettings()}
            >Set model folder…</vscode-button
          >
          <vscode-button secondary @click=${() => void this.store.dismissNotice()}>Dismiss</vscode-button>
        </div>
      </div>
    </section>`;
  }
}

customElements.define('gb-first-run', FirstRunNotice);
