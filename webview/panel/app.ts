// <gb-app>: the whole panel: model status, first-run notice, errors, and the Chat / Inspector tabs.
import { html, nothing } from 'lit';
import type { VscTabsSelectEvent } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import { LightElement } from '../shared/light-element';
import { StoreWatcher } from '../shared/store';
import type { PanelStore } from './panel-store';

export class GlassboxApp extends LightElement {
  static override properties = { store: { attribute: false } };
  declare store: PanelStore;
  private readonly watcher = new StoreWatcher(this);

  private errors() {
    const errors = this.store.errors;
    if (errors.length === 0) return nothing;
    return html`<div class="errors">
      ${errors.map(
        (e) =>
          html`<div class="error-banner" role="alert">
            <span class="codicon codicon-error" aria-hidden="true"></span>
            <span class="error-text">${e.text}</span>
            <vscode-toolbar-button
              icon="close"
              label="Dismiss this error"
              @click=${() => this.store.dismissError(e.id)}
            ></vscode-toolbar-button>
          </div>`,
      )}
    </div>`;
  }

  override render() {
    const s = this.store;
    if (!s.ready) {
      return html`<div class="starting" role="status">
        <span class="codicon codicon-loading codicon-modifier-spin" aria-hidden="true"></span>Starting
        Glassbox…
      </div>`;
    }
    return html`
      <gb-model-status .model=${s.model} .onChoose=${() => void s.chooseModel()}></gb-model-status>
      ${s.firstRun ? html`<gb-first-run .store=${s}></gb-first-run>` : nothing} ${this.errors()}
      <vscode-tabs
        class="tabs"
        selected-index=${s.ui.tab === 'inspector' ? 1 : 0}
        @vsc-tabs-select=${(e: VscTabsSelectEvent) => s.setTab(e.detail.selectedIndex === 1 ? 'inspector' : 'chat')}
      >
        <vscode-tab-header slot="header" class="tab-chat">Chat</vscode-tab-header>
        <vscode-tab-panel class="panel-chat"><gb-chat .store=${s.chat}></gb-chat></vscode-tab-panel>
        <vscode-tab-header slot="header" class="tab-inspector">Inspector</vscode-tab-header>
        <vscode-tab-panel class="panel-inspector"
          ><gb-inspector .store=${s.inspector}></gb-inspector
        ></vscode-tab-panel>
      </vscode-tabs>
    `;
  }
}

customElements.define('gb-app', GlassboxApp);

declare global {
  interface HTMLElementTagNameMap {
    'gb-app': GlassboxApp;
  }
}
