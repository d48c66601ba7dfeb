// The panel's state and actions: startup handshake, host notifications, chat, history; views render from it.
import type {
  Attachment,
  ChatMessage,
  Conversation,
  ConversationSummary,
  ModelStatus,
  PanelTab,
} from '../../src/protocol/panel-methods';
import { ContextTracker } from '../chat/context-tracker';
import { InspectorStore } from '../inspector/inspector-store';
import type { HostNotification, Messenger } from '../shared/messenger';
import { Store } from '../shared/store';
import {
  emptyUiState,
  isAttachment,
  readUiState,
  sameAttachment,
  writeUiState,
  type UiState,
} from '../shared/ui-state';

export interface PanelError {
  id: number;
  text: string;
}

export type CodeAction = 'copy' | 'insert' | 'openNew';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class PanelStore extends Store {
  model: ModelStatus | null = null;
  conversations: ConversationSummary[] = [];
  /** The conversation on screen; null for a new chat. */
  conversation: Conversation | null = null;
  firstRun = false;
  ui: UiState = emptyUiState();
  errors: PanelError[] = [];
  /** panel/ready has been answered (or failed). */
  ready = false;
  /** A chat/send is on its way. */
  sending = false;
  readonly context: ContextTracker;
  readonly inspector: InspectorStore;
  private frameQueued = false;
  private nextErrorId = 1;
  private early: HostNotification[] = [];

  constructor(private readonly messenger: Messenger) {
    super();
    this.context = new ContextTracker(
      () =>
        this.messenger.request('chat/contextUse', {
          conversationId: this.conversation?.id ?? null,
          draft: this.ui.draft,
          attachments: this.ui.attachments,
        }),
      () => this.emit(),
    );
    this.inspector = new InspectorStore(messenger, {
      ui: () => this.ui,
      save: () => this.save(),
      showError: (what, error) => this.showError(what, error),
    });
  }

  get streaming(): boolean {
    return this.conversation?.messages.some((m) => m.state === 'streaming') ?? false;
  }

  /** Restores the saved UI state, says ready to the host and shows what it answers. */
  async start(): Promise<void> {
    const saved = readUiState(this.messenger.getState());
    this.messenger.onNotification((n) => (this.ready ? this.handle(n) : this.early.push(n)));
    try {
      const init = await this.messenger.request('panel/ready', undefined);
      this.model = init.model;
      this.conversations = init.conversations;
      this.firstRun = init.firstRun;
      this.conversation = init.current;
      if (saved) {
        this.ui = saved;
        if (saved.conversationId === null) this.conversation = null;
        else if (saved.conversationId !== init.current?.id) {
          // the panel was showing another conversation before it was hidden or reloaded
          this.conversation = await this.messenger
            .request('history/open', { id: saved.conversationId })
            .catch(() => init.current);
        }
      }
      this.ui.conversationId = this.conversation?.id ?? null;
    } catch (error) {
      if (saved) this.ui = saved;
      this.showError('The panel could not start', error);
    }
    this.ready = true;
    for (const n of this.early.splice(0)) this.handle(n);
    if (this.ui.tab === 'inspector') this.inspector.open();
    this.save();
    this.emit();
    void this.context.refresh();
  }

  handle(n: HostNotification): void {
    switch (n.method) {
      case 'model/status':
        this.model = n.params;
        this.context.schedule();
        break;
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
      case 'chat/attach':
        this.attach(n.params.attachment);
        break;
      case 'panel/showTab':
        if (n.params.tab === 'chat' || n.params.tab === 'inspector') this.setTab(n.params.tab);
        break;
      case 'inspect/state':
        this.inspector.update(n.params);
        return;
      default:
        return;
    }
    this.emit();
  }

  setTab(tab: PanelTab): void {
    if (tab === 'inspector') this.inspector.open();
    if (this.ui.tab === tab) return;
    this.ui.tab = tab;
    this.save();
    this.emit();
  }

  setDraft(draft: string): void {
    if (this.ui.draft === draft) return;
    this.ui.draft = draft;
    this.save();
    this.context.schedule();
    this.emit();
  }

  removeAttachment(index: number): void {
    this.ui.attachments = this.ui.attachments.filter((_, i) => i !== index);
    this.save();
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
    if (this.model?.state === 'error') return 'The model failed to load, so nothing can be sent.';
    return null;
  }

  get canSend(): boolean {
    const hasInput = this.ui.draft.trim() !== '' || this.ui.attachments.length > 0;
    return this.ready && hasInput && !this.sending && !this.streaming && this.sendBlockedReason === null;
  }

  async send(): Promise<void> {
    if (!this.canSend) return;
    this.sending = true;
    this.emit();
    try {
      const use = await this.context.current();
      if (use && use.remaining <= 0) return; // the meter now says why; nothing is cut or sent
      const draft = this.ui.draft;
      const attachments = this.ui.attachments;
      const { conversationId } = await this.messenger.request('chat/send', {
        conversationId: this.conversation?.id ?? null,
        text: draft.trim(),
        attachments,
      });
      if (this.ui.draft === draft) this.ui.draft = '';
      this.ui.attachments = this.ui.attachments.filter((a) => !attachments.includes(a));
      if (!this.conversation) this.ui.conversationId = conversationId;
      this.save();
      this.context.schedule();
    } catch (error) {
      this.showError('Sending failed', error);
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
    this.setTab('inspector');
    this.inspector.setView('generate');
    return this.inspector.step.openReplay(id, messageId);
  }

  newChat(): void {
    this.conversation = null;
    this.ui.conversationId = null;
    this.save();
    this.context.schedule();
    this.emit();
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
      this.showError(`${what} failed`, error);
      return false;
    }
  }

  /** A link in model output was clicked: the host asks the user before anything opens. */
  openLink(href: string): Promise<void> {
    return this.call('Opening the link failed', () => this.messenger.request('link/open', { href }));
  }

  openModelSettings(): Promise<void> {
    return this.call('Opening the settings failed', () =>
      this.messenger.request('settings/open', { query: 'glassbox.modelPath' }),
    );
  }

  dismissNotice(): Promise<void> {
    this.firstRun = false;
    this.emit();
    return this.call('Dismissing the notice failed', () =>
      this.messenger.request('notice/dismiss', undefined),
    );
  }

  dismissError(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
    this.emit();
  }

  showError(what: string, error: unknown): void {
    this.errors = [...this.errors, { id: this.nextErrorId++, text: `${what}: ${message(error)}` }].slice(-3);
    this.emit();
  }

  private async call(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.showError(what, error);
    } finally {
      this.emit();
    }
  }

  private show(conversation: Conversation): void {
    this.conversation = conversation;
    this.ui.conversationId = conversation.id;
    this.save();
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

  private attach(attachment: Attachment): void {
    if (!isAttachment(attachment)) return;
    if (!this.ui.attachments.some((a) => sameAttachment(a, attachment))) {
      this.ui.attachments = [...this.ui.attachments, attachment];
    }
    this.ui.tab = 'chat';
    this.save();
    this.context.schedule();
    this.dispatchEvent(new Event('attached'));
  }

  private save(): void {
    this.messenger.setState(writeUiState(this.ui));
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
