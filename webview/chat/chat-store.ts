// The Chat tab's state and actions: the conversation on screen, history, draft and attachments, send, code-block actions.
import type {
  Attachment,
  ChatMessage,
  Conversation,
  ConversationSummary,
  ModelStatus,
} from '../../src/protocol/panel-methods';
import type { HostNotification, Messenger } from '../shared/messenger';
import { Store } from '../shared/store';
import { isAttachment, sameAttachment, type UiState } from '../shared/ui-state';
import { ContextTracker } from './context-tracker';

export type CodeAction = 'copy' | 'insert' | 'openNew';

/** The chat notifications (the panel store passes them on). */
export type ChatNotification = Extract<
  HostNotification,
  { method: 'history/changed' | 'chat/updated' | 'chat/delta' | 'chat/finished' }
>;

/** What the chat needs from the panel around it. */
export interface ChatHost {
  /** The saved UI state (draft, attachments, the conversation on screen). */
  ui(): UiState;
  save(): void;
  /** panel/ready has been answered (or failed). */
  ready(): boolean;
  model(): ModelStatus | null;
  showError(what: string, error: unknown): void;
  /** Opens an answer in the Inspector's step-through. */
  replay(conversationId: string, messageId: string): Promise<void>;
}

export class ChatStore extends Store {
  conversations: ConversationSummary[] = [];
  /** The conversation on screen; null for a new chat. */
  conversation: Conversation | null = null;
  /** A chat/send is on its way. */
  sending = false;
  readonly context: ContextTracker;
  private frameQueued = false;

  constructor(
    private readonly messenger: Messenger,
    private readonly host: ChatHost,
  ) {
    super();
    this.context = new ContextTracker(
      () =>
        this.messenger.request('chat/contextUse', {
          conversationId: this.conversation?.id ?? null,
          draft: this.draft,
          attachments: this.attachments,
        }),
      () => this.emit(),
    );
  }

  get draft(): string {
    return this.host.ui().draft;
  }

  get attachments(): Attachment[] {
    return this.host.ui().attachments;
  }

  get streaming(): boolean {
    return this.conversation?.messages.some((m) => m.state === 'streaming') ?? false;
  }

  /**
   * panel/ready's answer: the history and the conversation on screen. The host says which one (it follows every
   * send, open, new chat and delete); the webview's own saved state can come back stale after a window reload.
   */
  restore(conversations: ConversationSummary[], current: Conversation | null): void {
    this.conversations = conversations;
    this.conversation = current;
    this.emit();
  }

  handle(n: ChatNotification): void {
    switch (n.method) {
      case 'history/changed':
        this.conversations = n.params.conversations;
        break;
      case 'chat/updated':
        this.show(n.params.conversation);
        break;
      case 'chat/delta':
        this.appendDelta(n.params.conversationId, n.params.messageId, n.params.text);
        return;
      case 'chat/finished':
        this.finish(n.params.conversationId, n.params.message);
        break;
    }
    this.emit();
  }

  /** The model's state changed: Send may be on or off now, and the context meter asks again. */
  modelChanged(): void {
    this.context.schedule();
    this.emit();
  }

  /** Adds an attachment (not twice); false when it is not one. Says 'attached' so the composer takes the focus. */
  attach(attachment: Attachment): boolean {
    if (!isAttachment(attachment)) return false;
    const ui = this.host.ui();
    if (!ui.attachments.some((a) => sameAttachment(a, attachment))) {
      ui.attachments = [...ui.attachments, attachment];
    }
    this.host.save();
    this.context.schedule();
    this.dispatchEvent(new Event('attached'));
    this.emit();
    return true;
  }

  setDraft(draft: string): void {
    if (this.draft === draft) return;
    this.host.ui().draft = draft;
    this.host.save();
    this.context.schedule();
    this.emit();
  }

  removeAttachment(index: number): void {
    const ui = this.host.ui();
    ui.attachments = ui.attachments.filter((_, i) => i !== index);
    this.host.save();
    this.context.schedule();
    this.emit();
  }

  /** Why Send is off right now, in words for the user; null when it is on. */
  get sendBlockedReason(): string | null {
    const use = this.context.use;
    if (use && use.remaining <= 0) {
      return (
        `This message does not fit: the prompt would take ${use.promptTokens} tokens of the model's ` +
        `${use.contextLength}-token context, leaving no room for an answer. Shorten the message, remove ` +
        'an attachment or start a new chat.'
      );
    }
    if (this.host.model()?.state === 'error') return 'The model failed to load, so nothing can be sent.';
    return null;
  }

  get canSend(): boolean {
    const hasInput = this.draft.trim() !== '' || this.attachments.length > 0;
    return (
      this.host.ready() && hasInput && !this.sending && !this.streaming && this.sendBlockedReason === null
    );
  }

  async send(): Promise<void> {
    if (!this.canSend) return;
    this.sending = true;
    this.emit();
    try {
      const use = await this.context.current();
      if (use && use.remaining <= 0) return; // the meter now says why; nothing is cut or sent
      const ui = this.host.ui();
      const draft = ui.draft;
      const attachments = ui.attachments;
      await this.messenger.request('chat/send', {
        conversationId: this.conversation?.id ?? null,
        text: draft.trim(),
        attachments,
      });
      if (ui.draft === draft) ui.draft = '';
      ui.attachments = ui.attachments.filter((a) => !attachments.includes(a));
      this.host.save();
      this.context.schedule();
    } catch (error) {
      this.host.showError('Sending failed', error);
    } finally {
      this.sending = false;
      this.emit();
    }
  }

  stop(): Promise<void> {
    const id = this.conversation?.id;
    if (!id) return Promise.resolve();
    return this.call('Stopping failed', () => this.messenger.request('chat/stop', { conversationId: id }));
  }

  regenerate(): Promise<void> {
    const id = this.conversation?.id;
    if (!id || this.streaming) return Promise.resolve();
    return this.call('Regenerating failed', () =>
      this.messenger.request('chat/regenerate', { conversationId: id }),
    );
  }

  /** Opens an answer of this conversation in the Inspector's step-through to replay how it was produced. */
  replayAnswer(messageId: string): Promise<void> {
    const id = this.conversation?.id;
    if (!id) return Promise.resolve();
    return this.host.replay(id, messageId);
  }

  newChat(): void {
    this.conversation = null;
    this.context.schedule();
    this.emit();
    void this.call('Starting a new chat failed', () => this.messenger.request('chat/new', undefined));
  }

  openConversation(id: string): Promise<void> {
    return this.call('Opening the conversation failed', async () => {
      this.show(await this.messenger.request('history/open', { id }));
    });
  }

  deleteConversation(id: string): Promise<void> {
    return this.call('Deleting the conversation failed', async () => {
      await this.messenger.request('history/delete', { id });
      this.conversations = this.conversations.filter((c) => c.id !== id);
      if (this.conversation?.id === id) this.newChat();
    });
  }

  refreshHistory(): Promise<void> {
    return this.call('Loading the history failed', async () => {
      this.conversations = await this.messenger.request('history/list', undefined);
    });
  }

  /** A code-block button; resolves true when the host did it. */
  async codeAction(action: CodeAction, code: string, language: string): Promise<boolean> {
    try {
      if (action === 'copy') await this.messenger.request('clipboard/copy', { text: code });
      else if (action === 'insert') await this.messenger.request('editor/insert', { code });
      else await this.messenger.request('editor/openNew', { code, language });
      return true;
    } catch (error) {
      const what = { copy: 'Copying', insert: 'Inserting', openNew: 'Opening a new editor' }[action];
      this.host.showError(`${what} failed`, error);
      return false;
    }
  }

  /** A link in model output was clicked: the host asks the user before anything opens. */
  openLink(href: string): Promise<void> {
    return this.call('Opening the link failed', () => this.messenger.request('link/open', { href }));
  }

  private call(what: string, action: () => Promise<unknown>): Promise<void> {
    return this.attempt(what, action, (w, e) => this.host.showError(w, e));
  }

  private show(conversation: Conversation): void {
    this.conversation = conversation;
    this.context.schedule();
    this.emit();
  }

  private appendDelta(conversationId: string, messageId: string, text: string): void {
    const c = this.conversation;
    if (!c || c.id !== conversationId) return;
    const i = c.messages.findIndex((m) => m.id === messageId);
    const m = c.messages[i];
    if (!m) return;
    const messages = c.messages.slice();
    messages[i] = { ...m, content: m.content + text };
    this.conversation = { ...c, messages };
    this.emitOnFrame();
  }

  private finish(conversationId: string, final: ChatMessage): void {
    const c = this.conversation;
    if (!c || c.id !== conversationId) return;
    const i = c.messages.findIndex((m) => m.id === final.id);
    const messages = i < 0 ? [...c.messages, final] : c.messages.map((m, j) => (j === i ? final : m));
    this.conversation = { ...c, messages };
    this.context.schedule();
  }

  /** Streamed text updates the views at most once per animation frame. */
  private emitOnFrame(): void {
    if (this.frameQueued) return;
    this.frameQueued = true;
    requestAnimationFrame(() => {
      this.frameQueued = false;
      this.emit();
    });
  }
}
