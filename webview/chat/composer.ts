// <gb-composer>: attachment chips, the message input (Enter sends, Shift+Enter breaks the line), Send/Stop, context meter.
import { html, nothing } from 'lit';
import type { Attachment } from '../../src/protocol/panel-methods';
import { LightElement } from '../shared/light-element';
import type { ChatStore } from './chat-store';

export const attachmentLabel = (a: Attachment) =>
  `${a.file}:${a.startLine === a.endLine ? a.startLine : `${a.startLine}-${a.endLine}`}`;

export class Composer extends LightElement {
  static override properties = { store: { attribute: false }, version: { attribute: false } };
  declare store: ChatStore;
  declare version: number;

  /** Puts the keyboard in the message input. */
  focusInput(): void {
    this.querySelector<HTMLElement>('vscode-textarea')?.focus();
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    this.send();
  }

  private send(): void {
    if (!this.store.canSend) return;
    this.dispatchEvent(new Event('gb-send', { bubbles: true }));
    void this.store.send();
  }

  private onInput(event: Event): void {
    const value = (event.target as HTMLElement & { value?: unknown }).value;
    if (typeof value === 'string') this.store.setDraft(value);
  }

  /** Removes a chip; the keyboard goes back to the input rather than getting lost with the removed button. */
  private removeAttachment(index: number): void {
    this.store.removeAttachment(index);
    void this.updateComplete.then(() => this.focusInput());
  }

  private chip(a: Attachment, index: number) {
    const lines = a.startLine === a.endLine ? `line ${a.startLine}` : `lines ${a.startLine}-${a.endLine}`;
    return html`<li class="chip" title=${`${a.file}, ${lines} (${a.language})`}>
      <span class="codicon codicon-file-code" aria-hidden="true"></span>
      <span class="chip-label">${attachmentLabel(a)}</span>
      <span class="chip-language">${a.language}</span>
      <vscode-toolbar-button
        icon="close"
        label=${`Remove attachment ${a.file}, ${lines}`}
        @click=${() => this.removeAttachment(index)}
      ></vscode-toolbar-button>
    </li>`;
  }

  override render() {
    const s = this.store;
    const blocked = s.sendBlockedReason;
    const attachments = s.attachments;
    return html`
      ${
        attachments.length
          ? html`<ul class="chips" aria-label="Attachments sent with the next message">
              ${attachments.map((a, i) => this.chip(a, i))}
            </ul>`
          : nothing
      }
      <vscode-textarea
        class="input"
        label="Message to the model (Enter to send, Shift+Enter for a new line)"
        placeholder="Ask about your code… (Enter to send, Shift+Enter for a new line)"
        resize="vertical"
        rows="3"
        .value=${s.draft}
        @input=${(e: Event) => this.onInput(e)}
        @keydown=${(e: KeyboardEvent) => this.onKeyDown(e)}
      ></vscode-textarea>
      ${blocked ? html`<p class="send-blocked" role="status">${blocked}</p>` : nothing}
      <div class="composer-row">
        <gb-context-meter .use=${s.context.use} .error=${s.context.error}></gb-context-meter>
        <!-- one element that turns from Send into Stop and back, never swapped out while an answer streams -->
        <vscode-button
          class=${s.streaming ? 'stop' : 'send'}
          icon=${s.streaming ? 'debug-stop' : 'send'}
          ?secondary=${s.streaming}
          aria-label=${s.streaming ? 'Stop generating' : 'Send message'}
          ?disabled=${!s.streaming && !s.canSend}
          @click=${() => (s.streaming ? void s.stop() : this.send())}
          >${s.streaming ? 'Stop' : 'Send'}</vscode-button
        >
      </div>
    `;
  }
}

customElements.define('gb-composer', Composer);
