// <gb-messages>: the scrolling list of messages; follows a streaming answer unless the user has scrolled up.
import { html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Conversation } from '../../src/protocol/panel-methods';
import { LightElement } from '../shared/light-element';
import type { ChatStore } from './chat-store';

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_PX = 32;

export class MessageList extends LightElement {
  static override properties = { conversation: { attribute: false }, store: { attribute: false } };
  declare conversation: Conversation | null;
  declare store: ChatStore;
  private stick = true;
  private shownId: string | null | undefined = undefined;
  private resizeObserver: ResizeObserver | null = null;
  private observed: Element | null = null;

  constructor() {
    super();
    this.conversation = null;
    this.addEventListener('scroll', () => {
      this.stick = this.scrollHeight - this.scrollTop - this.clientHeight <= STICK_PX;
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('role', 'log');
    this.setAttribute('aria-label', 'Conversation');
    this.tabIndex = 0;
    this.resizeObserver = new ResizeObserver(() => this.follow());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    this.observed = null;
  }

  /** Goes (and stays) at the bottom, e.g. after the user sent a message. */
  scrollToEnd(): void {
    this.stick = true;
    this.follow();
  }

  private follow(): void {
    if (this.stick) this.scrollTop = this.scrollHeight;
  }

  protected override willUpdate(): void {
    const id = this.conversation?.id ?? null;
    if (id !== this.shownId) {
      this.shownId = id;
      this.stick = true;
    }
  }

  protected override updated(): void {
    const content = this.querySelector('.messages');
    if (content !== this.observed && this.resizeObserver) {
      if (this.observed) this.resizeObserver.unobserve(this.observed);
      if (content) this.resizeObserver.observe(content);
      this.observed = content;
    }
    this.follow();
  }

  override render() {
    const messages = this.conversation?.messages ?? [];
    if (messages.length === 0) {
      return html`<div class="messages empty-chat">
        <span class="codicon codicon-comment-discussion" aria-hidden="true"></span>
        <p>Ask the model about your code.</p>
        <p class="muted">
          Type below, or select code in an editor and run <strong>Glassbox: Explain Selection</strong> to
          attach it.
        </p>
      </div>`;
    }
    const lastIndex = messages.length - 1;
    return html`<div class="messages">
      ${repeat(
        messages,
        (m) => m.id,
        (m, i) => html`<gb-message .message=${m} .store=${this.store} ?last=${i === lastIndex}></gb-message>`,
      )}
    </div>`;
  }
}

customElements.define('gb-messages', MessageList);
