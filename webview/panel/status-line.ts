// <gb-model-status>: one line saying which model runs where (loading, ready with provider and speed, or why it failed).
import { html, nothing } from 'lit';
import type { ModelStatus } from '../../src/protocol/panel-methods';
import { LightElement } from '../shared/light-element';

export class ModelStatusLine extends LightElement {
  static override properties = { model: { attribute: false } };
  declare model: ModelStatus | null;

  constructor() {
    super();
    this.model = null;
  }

  override render() {
    const m = this.model;
    if (!m) {
      return html`<div class="status-line" role="status">
        <span class="codicon codicon-circle-slash" aria-hidden="true"></span>No model status yet
      </div>`;
    }
    if (m.state === 'loading') {
      return html`<div class="status-line" role="status">
        <span class="codicon codicon-loading codicon-modifier-spin" aria-hidden="true"></span>Loading
        ${m.name}…
      </div>`;
    }
    if (m.state === 'error') {
      return html`<div class="status-line status-error" role="alert">
        <span class="codicon codicon-error" aria-hidden="true"></span
        ><span>${m.name} failed to load: ${m.error ?? 'unknown error'}</span>
      </div>`;
    }
    const parts = [
      m.executionProvider ? `on ${m.executionProvider}` : '',
      m.contextLength ? `${m.contextLength.toLocaleString('en-US')}-token context` : '',
      m.lastTokensPerSecond !== undefined ? `${m.lastTokensPerSecond.toFixed(1)} tokens/s` : '',
    ].filter(Boolean);
    const skipped = m.fallbacks?.length ? m.fallbacks.join('\n') : '';
    return html`<div class="status-line" role="status" title=${m.dir}>
      <span class="codicon codicon-chip" aria-hidden="true"></span>
      <span class="model-name">${m.name}</span>
      ${m.bundled ? html`<vscode-badge variant="counter" class="bundled-badge">demo</vscode-badge>` : nothing}
      <span class="muted">${parts.join(' · ')}</span>
      ${
        skipped
          ? html`<span class="muted fallbacks" title=${skipped}
              >(${m.fallbacks?.length} provider${m.fallbacks?.length === 1 ? '' : 's'} skipped:
              ${skipped})</span
            >`
          : nothing
      }
    </div>`;
  }
}

customElements.define('gb-model-status', ModelStatusLine);
