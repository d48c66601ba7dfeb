// The panel's state and actions: startup handshake, host notifications, tabs, errors; the chat and inspector stores.
import type { ModelStatus, PanelTab } from '../../src/protocol/panel-methods';
import { ChatStore } from '../chat/chat-store';
import { InspectorStore } from '../inspector/inspector-store';
import type { HostNotification, Messenger } from '../shared/messenger';
import { Store } from '../shared/store';
import { emptyUiState, readUiState, writeUiState, type UiState } from '../shared/ui-state';

export interface PanelError {
  id: number;
  text: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class PanelStore extends Store {
  model: ModelStatus | null = null;
  firstRun = false;
  ui: UiState = emptyUiState();
  errors: PanelError[] = [];
  /** panel/ready has been answered (or failed). */
  ready = false;
  readonly chat: ChatStore;
  readonly inspector: InspectorStore;
  private nextErrorId = 1;
  private early: HostNotification[] = [];

  constructor(private readonly messenger: Messenger) {
    super();
    const around = {
      ui: () => this.ui,
      save: () => this.save(),
      showError: (what: string, error: unknown) => this.showError(what, error),
    };
    this.chat = new ChatStore(messenger, {
      ...around,
      ready: () => this.ready,
      model: () => this.model,
      replay: (conversationId, messageId) => this.replay(conversationId, messageId),
    });
    this.inspector = new InspectorStore(messenger, around);
  }

  /** Restores the saved UI state, says ready to the host and shows what it answers. */
  async start(): Promise<void> {
    const saved = readUiState(this.messenger.getState());
    this.messenger.onNotification((n) => (this.ready ? this.handle(n) : this.early.push(n)));
    try {
      const init = await this.messenger.request('panel/ready', undefined);
      this.model = init.model;
      this.firstRun = init.firstRun;
      if (saved) this.ui = saved;
      this.chat.restore(init.conversations, init.current);
    } catch (error) {
      if (saved) this.ui = saved;
      this.showError('The panel could not start', error);
    }
    this.ready = true;
    for (const n of this.early.splice(0)) this.handle(n);
    if (this.ui.tab === 'inspector') this.inspector.open();
    this.save();
    this.emit();
    void this.chat.context.refresh();
  }

  handle(n: HostNotification): void {
    switch (n.method) {
      case 'model/status':
        this.model = n.params;
        this.chat.modelChanged();
        break;
      case 'history/changed':
      case 'chat/updated':
      case 'chat/delta':
      case 'chat/finished':
        this.chat.handle(n);
        return;
      case 'chat/attach':
        if (!this.chat.attach(n.params.attachment)) break;
        this.ui.tab = 'chat';
        this.save();
        break;
      case 'panel/showTab':
        if (n.params.tab === 'chat' || n.params.tab === 'inspector') this.setTab(n.params.tab);
        break;
      case 'step/openReplay':
        void this.call('Replay', () => this.replay(n.params.conversationId, n.params.messageId));
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

  openModelSettings(): Promise<void> {
    return this.call('Opening the settings failed', () =>
      this.messenger.request('settings/open', { query: 'glassbox.modelPath' }),
    );
  }

  chooseModel(): Promise<void> {
    return this.call('Choosing a model failed', () => this.messenger.request('model/choose', undefined));
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

  /** A chat answer opens in the Inspector's step-through (Generate view). */
  private replay(conversationId: string, messageId: string): Promise<void> {
    this.setTab('inspector');
    this.inspector.setView('generate');
    return this.inspector.step.openReplay(conversationId, messageId);
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

  private save(): void {
    this.messenger.setState(writeUiState(this.ui));
  }
}
