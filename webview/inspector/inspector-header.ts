// <gb-inspector-header>: what is inspected (model, file and lines, tokens, timing), Pin / Refresh / Highlights, and the state.
import { html, nothing } from 'lit';
import { count, ms, plural } from '../shared/format';
import { LightElement } from '../shared/light-element';
import type { InspectorStore } from './inspector-store';

export class InspectorHeader extends LightElement {
  static override properties = { store: { attribute: false }, version: { attribute: false } };
  declare store: InspectorStore;
  declare version: number;

  private summary() {
    const s = this.store;
    const { source, model, elapsedMs } = s.state;
    const r = s.result;
    if (!r) return nothing;
    const lines = source
      ? source.startLine === source.endLine
        ? `line ${source.startLine}`
        : `lines ${source.startLine}–${source.endLine}`
      : '';
    const t = r.timings;
    const engine = `tokenize ${ms(t.tokenizeMs)}, forward pass ${ms(t.forwardMs)}, statistics ${ms(t.statsMs)}`;
    return html`<div class="inspector-summary">
      ${
        source
          ? html`<span class="source" title=${source.file}
              ><span class="codicon codicon-file-code" aria-hidden="true"></span>${source.file}
              <span class="muted">${lines}</span></span
            >`
          : nothing
      }
      <span class="token-count">${plural(r.tokens.length, 'token')}</span>
      ${model ? html`<span class="muted model">${model}</span>` : nothing}
      <span class="muted timing" title=${`Engine: ${engine}`}
        >${elapsedMs !== undefined ? `${ms(elapsedMs)} (engine: ${engine})` : `engine: ${engine}`}</span
      >
    </div>`;
  }

  private notices() {
    const s = this.store;
    const { state, message } = s.state;
    const cut = s.result?.truncated;
    return html`${
      state === 'error'
        ? html`<div class="inspector-error" role="alert">
            <span class="codicon codicon-error" aria-hidden="true"></span>
            <span>The inspection failed: ${message ?? 'unknown error'}</span>
          </div>`
        : nothing
    }${
      state === 'running'
        ? html`<div class="inspector-running" role="status">
            <vscode-progress-bar indeterminate aria-label="Inspecting"></vscode-progress-bar>
            <span class="muted">Inspecting the selection…</span>
          </div>`
        : nothing
    }${
      !s.result && state === 'idle'
        ? html`<div class="inspector-idle" role="status">
            <span class="codicon codicon-inspect" aria-hidden="true"></span>
            <span
              >Select code in an editor to inspect it: the tabs below then show how the model reads it.</span
            >
          </div>`
        : nothing
    }${
      s.result && cut
        ? html`<div class="inspector-truncated" role="note">
            <span class="codicon codicon-warning" aria-hidden="true"></span>
            <span
              >Only the first ${count(s.result.tokens.length)} of ${count(cut.totalTokens)} tokens were
              inspected (the selection up to character ${count(cut.inspectedChars)}):
              ${
                cut.limit === 'memory'
                  ? 'the inspector keeps its memory bounded, and attention grows with the square of the tokens.'
                  : 'that is all the model’s context holds.'
              }
              Select less to inspect the rest.</span
            >
          </div>`
        : nothing
    }`;
  }

  override render() {
    const s = this.store;
    const pinned = s.state.source?.pinned ?? false;
    return html`<div class="inspector-header">
        <div class="inspector-toolbar" role="toolbar" aria-label="Inspector">
          ${this.summary()}
          <span class="toolbar-spacer"></span>
          <vscode-toolbar-button
            class="pin"
            icon=${pinned ? 'pinned' : 'pin'}
            label=${pinned ? 'Unpin: follow the editor selection again' : 'Pin: keep this text while the selection moves'}
            toggleable
            ?checked=${pinned}
            ?disabled=${!s.state.source}
            @click=${() => void s.setPinned(!pinned)}
          ></vscode-toolbar-button>
          <vscode-toolbar-button
            class="refresh"
            icon="refresh"
            label="Inspect the selection now"
            @click=${() => void s.refresh()}
          ></vscode-toolbar-button>
          <vscode-toolbar-button
            class="highlights"
            icon="symbol-color"
            label=${s.state.highlights ? 'Hide the prediction colours in the editor' : 'Show the prediction colours in the editor'}
            toggleable
            ?checked=${s.state.highlights}
            @click=${() => void s.setHighlights(!s.state.highlights)}
          ></vscode-toolbar-button>
        </div>
      </div>
      ${this.notices()}`;
  }
}

customElements.define('gb-inspector-header', InspectorHeader);
