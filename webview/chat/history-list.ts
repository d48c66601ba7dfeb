// <gb-history>: stored conversations, newest first; open one, or delete it after an inline confirmation.
import { html } from 'lit';
import type { ConversationSummary } from '../../src/protocol/panel-methods';
import { LightElement } from '../shared/light-element';
import type { ChatStore } from './chat-store';

const when = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const messages = (n: number) => `${n} message${n === 1 ? '' : 's'}`;

export class HistoryList extends LightElement {
  static override properties = {
    conversations: { attribute: false },
    currentId: { attribute: false },
    store: { attribute: false },
    confirming: { state: true },
  };
  declare conversations: ConversationSummary[];
  declare currentId: string | null;
  declare store: ChatStore;
  /** The conversation whose delete is waiting for confirmation. */
  declare confirming: string | null;

  constructor() {
    super();
    this.conversations = [];
    this.currentId = null;
    this.confirming = null;
  }

  private async confirmDelete(id: string): Promise<void> {
    this.confirming = null;
    await this.store.deleteConversation(id);
    this.querySelector<HTMLElement>('.history-open')?.focus();
  }

  private async askDelete(id: string): Promise<void> {
    this.confirming = id;
    await this.updateComplete;
    this.querySelector<HTMLElement>('.confirm-cancel')?.focus();
  }

  private row(c: ConversationSummary) {
    const title = c.title || 'Untitled conversation';
    if (this.confirming === c.id) {
      return html`<li
        class="history-item confirming"
        @keydown=${(e: KeyboardEvent) => {
          if (e.key === 'Escape') this.confirming = null;
        }}
      >
        <span class="confirm-text" role="alert">Delete “${title}”? This cannot be undone.</span>
        <vscode-button class="confirm-delete" @click=${() => void this.confirmDelete(c.id)}
          >Delete</vscode-button
        >
        <vscode-button class="confirm-cancel" secondary @click=${() => (this.confirming = null)}
          >Cancel</vscode-button
        >
      </li>`;
    }
    const current = c.id === this.currentId;
    return html`<li class="history-item ${current ? 'current' : ''}">
      <button
        type="button"
        class="history-open"
        aria-current=${current ? 'true' : 'false'}
        aria-label=${`Open conversation ${title}, ${messages(c.messageCount)}, ${when(c.updatedAt)}`}
        @click=${() => void this.store.openConversation(c.id)}
      >
        <span class="history-title">${title}</span>
        <span class="muted history-meta">${when(c.updatedAt)} · ${messages(c.messageCount)}</span>
      </button>
      <vscode-toolbar-button
        class="history-delete"
        icon="trash"
        label=${`Delete conversation ${title}`}
        @click=${() => void this.askDelete(c.id)}
      ></vscode-toolbar-button>
    </li>`;
  }

  override render() {
    const sorted = [...this.conversations].sort((a, b) => b.updatedAt - a.updatedAt);
    return html`<section class="history" aria-label="Conversation history">
      ${
        sorted.length === 0
          ? html`<p class="muted history-empty">No stored conversations yet.</p>`
          : html`<ul class="history-items">
              ${sorted.map((c) => this.row(c))}
            </ul>`
      }
    </section>`;
  }
}

customElements.define('gb-history', HistoryList);
