// <gb-message>: one chat message: the user's text with its attachments, or the model's markdown with state and stats.
import { html, nothing } from 'lit';
import type { Attachment, ChatMessage } from '../../src/protocol/panel-methods';
import type { StopReason } from '../../src/protocol/engine-methods';
import { LightElement } from '../shared/light-element';
import type { ChatStore } from './chat-store';
import { attachmentLabel } from './composer';

const stopReasons: Record<StopReason, string> = {
  eos: 'finished',
  'stop-string': 'stop string',
  'max-tokens': 'reached the token limit',
  'context-length': 'reached the context length',
  cancelled: 'stopped',
};

export class ChatMessageView extends LightElement {
  static override properties = {
    message: { attribute: false },
    store: { attribute: false },
    last: { type: Boolean },
  };
  declare message: ChatMessage;
  declare store: ChatStore;
  declare last: boolean;

  constructor() {
    super();
    this.last = false;
  }

  private attachment(a: Attachment) {
    const lines = a.startLine === a.endLine ? `line ${a.startLine}` : `lines ${a.startLine}-${a.endLine}`;
    return html`<details class="attachment">
      <summary title=${`${a.file}, ${lines} (${a.language})`}>
        <span class="codicon codicon-file-code" aria-hidden="true"></span>
        <span class="chip-label">${attachmentLabel(a)}</span>
        <span class="chip-language">${a.language}</span>
      </summary>
      <pre><code>${a.text}</code></pre>
    </details>`;
  }

  private footer(m: ChatMessage) {
    const stats = m.stats;
    const facts = stats
      ? [
          `${stats.tokens} tokens`,
          `${stats.tokensPerSecond.toFixed(1)} tokens/s`,
          stats.executionProvider,
          stopReasons[stats.stopReason] ?? stats.stopReason,
        ].join(' · ')
      : '';
    return html`<div class="message-footer">
      ${
        m.state === 'streaming'
          ? html`<span class="message-state" role="status"
              ><span class="codicon codicon-loading codicon-modifier-spin" aria-hidden="true"></span
              >Answering…</span
            >`
          : nothing
      }
      ${
        m.state === 'stopped'
          ? html`<span class="message-state stopped"
              ><span class="codicon codicon-debug-stop" aria-hidden="true"></span>Stopped</span
            >`
          : nothing
      }
      ${
        m.state === 'error'
          ? html`<span class="message-state failed" role="alert"
              ><span class="codicon codicon-error" aria-hidden="true"></span>The answer failed:
              ${m.error ?? 'unknown error'}</span
            >`
          : nothing
      }
      ${facts ? html`<span class="muted stats">${facts}</span>` : nothing}
      ${
        (m.state === 'done' || m.state === 'stopped') && (m.content !== '' || m.stats?.tokenIds?.length)
          ? html`<vscode-button
              class="replay-answer"
              secondary
              icon="debug-step-over"
              title="Open this answer in the Inspector’s step-through and watch it being produced token by token"
              @click=${() => void this.store.replayAnswer(m.id)}
              >Replay</vscode-button
            >`
          : nothing
      }
      ${
        this.last && m.state !== 'streaming'
          ? html`<vscode-button
              class="regenerate"
              secondary
              icon="refresh"
              aria-label="Regenerate this answer"
              ?disabled=${this.store.streaming}
              @click=${() => void this.store.regenerate()}
              >Regenerate</vscode-button
            >`
          : nothing
      }
    </div>`;
  }

  override render() {
    const m = this.message;
    if (m.role === 'user') {
      return html`<article class="message message-user" aria-label="Your message">
        <div class="message-author"><span class="codicon codicon-account" aria-hidden="true"></span>You</div>
        ${
          m.attachments?.length
            ? html`<div class="attachments">${m.attachments.map((a) => this.attachment(a))}</div>`
            : nothing
        }
        <div class="user-text">${m.content}</div>
      </article>`;
    }
    return html`<article
      class="message message-assistant state-${m.state ?? 'done'}"
      aria-label="Answer from the model"
      aria-busy=${m.state === 'streaming' ? 'true' : 'false'}
    >
      <div class="message-author">
        <span class="codicon codicon-sparkle" aria-hidden="true"></span>${m.stats?.model ?? 'Glassbox'}
      </div>
      <gb-markdown .source=${m.content} .actions=${this.store}></gb-markdown>
      ${this.footer(m)}
    </article>`;
  }
}

customElements.define('gb-message', ChatMessageView);
