// <gb-model-status>: one line saying which model runs where (loading, ready with provider and speed, or why it failed).
import { html, nothing } from 'lit';
import type { ModelStatus } from '../../src/protocol/panel-methods';
import { LightElement } from '../shared/light-element';

const mb = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GB` : `${(n / 2 ** 20).toFixed(1)} MB`;

export class ModelStatusLine extends LightElement {
  static override properties = { model: { attribute: false }, onChoose: { attribute: false } };
  declare model: ModelStatus | null;
  /** Opens Choose Model... in the host. */
  declare onChoose: () => void;

  constructor() {
    super();
    this.model = null;
    this.onChoose = () => undefined;
  }

  override render() {
    return html`${this.line()}${this.download()}`;
  }

  private chooser() {
    return html`<vscode-button
      class="choose-model"
      secondary
      icon="chevron-down"
      title="Choose another model: on this machine, or from the Hugging Face Hub"
      aria-label="Choose model"
      @click=${() => this.onChoose()}
    ></vscode-button>`;
  }

  private download() {
    const d = this.model?.download;
    if (!d) return nothing;
    const pct = d.total ? Math.floor((100 * d.bytes) / d.total) : 100;
    const rate = d.bytesPerSecond > 0 ? `, ${mb(d.bytesPerSecond)}/s` : '';
    const left = d.secondsLeft !== null ? `, ${Math.ceil(d.secondsLeft)} s left` : '';
    return html`<div class="download-line" role="status">
      <span class="codicon codicon-cloud-download" aria-hidden="true"></span>
      <span>Downloading ${d.repo} (${d.dtype}): ${pct}%</span>
      <progress max="100" value=${pct} aria-label=${`Download of ${d.repo}`}></progress>
      <span class="muted">${mb(d.bytes)} of ${mb(d.total)}${rate}${left}</span>
    </div>`;
  }

  private line() {
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
        ><span>${m.name} failed to load: ${m.error ?? 'unknown error'}</span>${this.chooser()}
      </div>`;
    }
    const parts = [
      m.executionProvider ? `on ${m.executionProvider}` : '',
      m.quantizedCompute === 'int8'
        ? 'int8 matmuls (glassbox.cpuFastMath)'
        : m.quantizedCompute === 'model'
          ? "the model's own matmul accuracy"
          : '',
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
      ${this.chooser()}
    </div>`;
  }
}

customElements.define('gb-model-status', ModelStatusLine);
