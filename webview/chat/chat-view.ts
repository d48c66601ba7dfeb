// <gb-chat>: the Chat tab: toolbar (history, new chat), the history list when open, the messages and the composer.
import { html, nothing } from 'lit';
import { LightElement } from '../shared/light-element';
import { StoreWatcher } from '../shared/store';
import type { ChatStore } from './chat-store';
import type { Composer } from './composer';
import type { MessageList } from './message-list';

export class ChatView extends LightElement {
  static override properties = {
    store: { attribute: false },
    historyOpen: { state: true },
  };
  declare store: ChatStore;
  declare historyOpen: boolean;
  private readonly watcher = new StoreWatcher(this);
  private readonly onAttached = () => void this.updateComplete.then(() => this.composer?.focusInput());

  constructor() {
    super();
    this.historyOpen = false;
  }

  private get composer(): Composer | null {
    return this.querySelector('gb-composer');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.store.addEventListener('attached', this.onAttached);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.store.removeEventListener('attached', this.onAttached);
  }

  private toggleHistory(): void {
    this.historyOpen = !this.historyOpen;
    if (this.historyOpen) void this.store.refreshHistory();
  }

  private newChat(): void {
    this.store.newChat();
    void this.updateComplete.then(() => this.composer?.focusInput());
  }

  /** Sending (button or Enter) from the composer: follow the new answer from the bottom. */
  private onSend(): void {
    this.querySelector<MessageList>('gb-messages')?.scrollToEnd();
  }

  override render() {
    const s = this.store;
    const title = s.conversation?.title || 'New chat';
    return html`
      <div class="chat-toolbar" role="toolbar" aria-label="Chat">
        <span class="chat-title" title=${title}>${title}</span>
        <vscode-toolbar-button
          class="toggle-history"
          icon="history"
          label="Conversation history"
          ?checked=${this.historyOpen}
          toggleable
          @click=${() => this.toggleHistory()}
        ></vscode-toolbar-button>
        <vscode-toolbar-button
          class="new-chat"
          icon="add"
          label="New chat"
          @click=${() => this.newChat()}
        ></vscode-toolbar-button>
      </div>
      ${
        this.historyOpen
          ? html`<gb-history
              .conversations=${s.conversations}
              .currentId=${s.conversation?.id ?? null}
              .store=${s}
            ></gb-history>`
          : nothing
      }
      <gb-messages .conversation=${s.conversation} .store=${s}></gb-messages>
      <gb-composer .store=${s} .version=${s.version} @gb-send=${() => this.onSend()}></gb-composer>
    `;
  }
}

customElements.define('gb-chat', ChatView);
