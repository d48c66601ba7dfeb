// Chat state: conversations, sending and streaming answers through the engine, stop/regenerate, context checks.
import type {
  ChatMessageParam,
  GenerateChunk,
  GenerateParams,
  GenerateSummary,
} from '../../protocol/engine-methods';
import type {
  AnswerSampling,
  AnswerStats,
  Attachment,
  ChatMessage,
  ContextUse,
  Conversation,
  ConversationSummary,
  PanelNotification,
  PanelNotifications,
} from '../../protocol/panel-methods';
import type { ErrorCode } from '../../protocol/errors';
import { HistoryStore } from './history-store';
import { promptMessages, titleOf } from './prompt';

/** What chat needs from the engine (the host adapts its EngineClient; tests pass a fake). */
export interface ChatEngine {
  /** The loaded model's name; waits for a load in progress and throws its error. */
  modelName(): Promise<string>;
  /** The prompt's length; only the context meter asks (an answer learns it from generate's first chunk). */
  countTokens(messages: ChatMessageParam[]): Promise<{ tokens: number; contextLength: number }>;
  /** Streams a 'prompt' chunk (the rendered prompt's length) first, then text, then a summary. */
  generate(params: GenerateParams, onChunk: (c: GenerateChunk) => void, signal: AbortSignal): Promise<void>;
}

export interface ChatSettings {
  systemPrompt: string;
  temperature: number;
  topP: number;
  maxNewTokens: number;
}

/** What an answer keeps of its generation: sizes, speed, why it ended, its token ids and how it was sampled. */
export function answerStats(summary: GenerateSummary, model: string, sampling: AnswerSampling): AnswerStats {
  // a server that streams text without ids gives counts only: the answer then keeps no ids (a replay tokenizes it)
  const idsKnown = summary.tokenCount === undefined || summary.tokens.length === summary.tokenCount;
  return {
    promptTokens: summary.promptTokenCount ?? summary.promptTokens.length,
    tokens: summary.tokenCount ?? summary.tokens.length,
    tokensPerSecond: summary.timings.decodeTokensPerSecond,
    firstTokenMs: summary.timings.firstTokenMs,
    stopReason: summary.stopReason,
    executionProvider: summary.executionProvider,
    model,
    ...(idsKnown ? { tokenIds: summary.tokens } : {}),
    sampling,
  };
}

export type Notify = <N extends PanelNotification>(method: N, params: PanelNotifications[N]) => void;

/** A request chat refuses, with a message for the user (the reply's error.code is `code`). */
export class ChatError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'not-found' | 'busy' | 'bad-params' | 'context-full' | 'unsupported'>,
    message: string,
  ) {
    super(message);
  }
}

/** The refusal of an answer whose prompt leaves no room in the model's context. */
function contextFull(tokens: number, model: string, contextLength: number): ChatError {
  return new ChatError(
    'context-full',
    `This chat is ${tokens} tokens long and ${model} reads at most ${contextLength}, so there is no room ` +
      'for an answer. Start a new chat, or attach less code.',
  );
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

const SAVE_EVERY_MS = 1000;

export class ChatService {
  private readonly open = new Map<string, Conversation>();
  private readonly running = new Map<string, Running>();
  /** Called with every finished answer (the status bar shows its speed). */
  onAnswer: (message: ChatMessage) => void = () => undefined;

  constructor(
    private readonly store: HistoryStore,
    private readonly engine: ChatEngine,
    private readonly settings: () => ChatSettings,
    private readonly notify: Notify,
    private readonly now: () => number = Date.now,
  ) {}

  list(): Promise<ConversationSummary[]> {
    return this.store.list();
  }

  async get(id: string): Promise<Conversation> {
    const cached = this.open.get(id);
    if (cached) return cached;
    const loaded = await this.store.load(id);
    if (!loaded) throw new ChatError('not-found', `conversation ${id} no longer exists`);
    this.open.set(id, loaded);
    return loaded;
  }

  isStreaming(id: string): boolean {
    return this.running.has(id);
  }

  /** Stores the user's message and starts the answer; resolves once the message is stored. */
  async send(conversationId: string | null, text: string, attachments: Attachment[]): Promise<Conversation> {
    if (text.trim() === '' && attachments.length === 0) throw new ChatError('bad-params', 'nothing to send');
    const conversation =
      conversationId === null ? this.create(text, attachments) : await this.get(conversationId);
    if (this.running.has(conversation.id)) {
      throw new ChatError('busy', 'an answer is still being written in this chat: stop it or wait');
    }
    conversation.messages.push({
      id: HistoryStore.newId(),
      role: 'user',
      content: text,
      ...(attachments.length ? { attachments } : {}),
      createdAt: this.now(),
    });
    this.answer(conversation);
    return conversation;
  }

  /**
   * Answers `messages` (a conversation held elsewhere: VS Code's Chat view) in a new conversation of Glassbox's own
   * history, so the answer can be replayed and is kept like the panel's; streams its text to `onText`. `signal`
   * stops it. Resolves with the conversation and the finished answer.
   */
  async answerFrom(
    title: string,
    messages: ChatMessage[],
    onText: (text: string) => void,
    signal: AbortSignal,
  ): Promise<{ conversation: Conversation; message: ChatMessage }> {
    if (messages.at(-1)?.role !== 'user') throw new ChatError('bad-params', 'nothing to answer');
    const conversation = this.create(title, []);
    conversation.messages.push(...messages);
    this.answer(conversation, onText);
    const running = this.running.get(conversation.id) as Running;
    const stop = () => running.controller.abort();
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop);
    try {
      await running.done;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    return { conversation, message: conversation.messages.at(-1) as ChatMessage };
  }

  /** Drops the last answer (if the last message is one) and answers again. */
  async regenerate(conversationId: string): Promise<void> {
    const conversation = await this.get(conversationId);
    if (this.running.has(conversationId)) throw new ChatError('busy', 'an answer is still being written');
    if (conversation.messages.at(-1)?.role === 'assistant') conversation.messages.pop();
    if (conversation.messages.at(-1)?.role !== 'user') throw new ChatError('bad-params', 'nothing to answer');
    this.answer(conversation);
  }

  /** Stops the answer in progress; resolves when it has finished (as 'stopped'). */
  async stop(conversationId: string): Promise<void> {
    const running = this.running.get(conversationId);
    if (!running) return;
    running.controller.abort();
    await running.done;
  }

  async delete(id: string): Promise<void> {
    await this.stop(id);
    this.open.delete(id);
    await this.store.delete(id);
    this.notify('history/changed', { conversations: await this.store.list() });
  }

  /** Prompt tokens the next answer would start from, with `draft` sent as the next message. */
  async contextUse(
    conversationId: string | null,
    draft: string,
    attachments: Attachment[],
  ): Promise<ContextUse> {
    const history = conversationId === null ? [] : (await this.get(conversationId)).messages;
    const next: ChatMessage[] =
      draft.trim() || attachments.length
        ? [{ id: 'draft', role: 'user', content: draft, attachments, createdAt: 0 }]
        : [];
    const { tokens, contextLength } = await this.engine.countTokens(
      promptMessages(this.settings().systemPrompt, [...history, ...next]),
    );
    // a server that does not say its context: the count alone would read as "full"
    if (contextLength <= 0)
      throw new ChatError('unsupported', `the server does not say how long its context is`);
    return { promptTokens: tokens, contextLength, remaining: Math.max(0, contextLength - tokens) };
  }

  /** An answer and the messages it was generated from (with today's system prompt), for a replay. */
  async answerSource(
    conversationId: string,
    messageId: string,
  ): Promise<{ message: ChatMessage; messages: ChatMessageParam[] }> {
    const conversation = await this.get(conversationId);
    const at = conversation.messages.findIndex((m) => m.id === messageId);
    const message = conversation.messages[at];
    if (!message) throw new ChatError('not-found', 'that answer is no longer in this conversation');
    if (message.role !== 'assistant') throw new ChatError('bad-params', 'only answers can be replayed');
    if (message.state === 'streaming') throw new ChatError('busy', 'the answer is still being written');
    if (message.content === '' && !message.stats?.tokenIds?.length) {
      throw new ChatError('bad-params', 'the answer has no tokens to replay');
    }
    const messages = promptMessages(this.settings().systemPrompt, conversation.messages.slice(0, at));
    return { message, messages };
  }

  /** Stops every answer being written; resolves with how many there were, once all are saved. */
  async stopAll(): Promise<number> {
    const ids = [...this.running.keys()];
    await Promise.all(ids.map((id) => this.stop(id)));
    return ids.length;
  }

  /** Stops every answer and waits for their last saves. */
  async dispose(): Promise<void> {
    await this.stopAll();
  }

  private create(text: string, attachments: Attachment[]): Conversation {
    const at = this.now();
    const c: Conversation = {
      id: HistoryStore.newId(),
      title: titleOf(text, attachments),
      createdAt: at,
      updatedAt: at,
      messages: [],
    };
    this.open.set(c.id, c);
    return c;
  }

  private answer(conversation: Conversation, onText?: (text: string) => void): void {
    const history = [...conversation.messages];
    const message: ChatMessage = {
      id: HistoryStore.newId(),
      role: 'assistant',
      content: '',
      state: 'streaming',
      createdAt: this.now(),
    };
    conversation.messages.push(message);
    conversation.updatedAt = this.now();
    const controller = new AbortController();
    const done = this.stream(conversation, history, message, controller, onText)
      .catch((e: Error) => {
        // stream() ends every answer itself; what throws after that (a notification, onAnswer) must neither become
        // an unhandled rejection nor make stop() throw
        if (message.state === 'streaming') this.fail(message, e);
      })
      .finally(() => this.running.delete(conversation.id));
    this.running.set(conversation.id, { controller, done });
  }

  /**
   * Writes the answer: one engine call, whose first chunk (the prompt's length) can refuse a full context; that
   * refusal aborts the request through `controller`, which Stop aborts too. Whatever throws before or during the
   * answer (the history, the engine) ends it as an error with that message: it never stays 'streaming'.
   */
  private async stream(
    conversation: Conversation,
    history: ChatMessage[],
    message: ChatMessage,
    controller: AbortController,
    onText?: (text: string) => void,
  ): Promise<void> {
    const signal = controller.signal;
    let lastSave = this.now();
    const save = () => this.store.save(conversation).catch((e: Error) => this.fail(message, e));
    let summary: GenerateSummary | undefined;
    // set by the prompt chunk when the context is full: whatever the engine does after the abort, this is the answer
    let full: ChatError | undefined;
    /** Tokens of the text chunks taken (shown and saved). */
    let kept = 0;
    try {
      await save();
      this.notify('chat/updated', { conversation });
      this.notify('history/changed', { conversations: await this.store.list() });
      const settings = this.settings();
      const model = await this.engine.modelName();
      await this.engine.generate(
        {
          messages: promptMessages(settings.systemPrompt, history),
          ...(settings.temperature === 0
            ? { greedy: true }
            : { temperature: settings.temperature, topP: settings.topP }),
          maxNewTokens: settings.maxNewTokens,
        },
        (chunk) => {
          if (full) return;
          // after Stop the engine may still stream the tokens it made before it saw the abort: none is shown or saved
          if (signal.aborted && chunk.kind !== 'summary') return;
          if (chunk.kind === 'prompt') {
            if (chunk.tokens >= chunk.contextLength) {
              full = contextFull(chunk.tokens, model, chunk.contextLength);
              controller.abort();
            }
            return;
          }
          if (chunk.kind === 'summary') {
            summary = chunk.summary;
            return;
          }
          kept += chunk.tokens.length;
          if (chunk.text === '') return;
          message.content += chunk.text;
          onText?.(chunk.text);
          this.notify('chat/delta', {
            conversationId: conversation.id,
            messageId: message.id,
            text: chunk.text,
          });
          if (this.now() - lastSave >= SAVE_EVERY_MS) {
            lastSave = this.now();
            void save();
          }
        },
        signal,
      );
      if (full) throw full;
      // a stopped answer keeps the tokens it showed, so its stats and its replay match its text
      if (summary && signal.aborted) summary = { ...summary, tokens: summary.tokens.slice(0, kept) };
      message.state = summary?.stopReason === 'cancelled' || signal.aborted ? 'stopped' : 'done';
      if (summary) {
        message.stats = answerStats(summary, model, {
          temperature: settings.temperature,
          topP: settings.topP,
        });
      }
    } catch (e) {
      // a full context ends as that error even though the request was aborted (or the engine refused it itself)
      if (full) this.fail(message, full);
      else if (signal.aborted) message.state = 'stopped';
      else this.fail(message, e as Error);
    }
    conversation.updatedAt = this.now();
    await save();
    this.notify('chat/finished', { conversationId: conversation.id, message });
    try {
      this.notify('history/changed', { conversations: await this.store.list() });
    } catch {
      // the answer is finished and saved; the history list reports its own error when the panel next asks for it
    }
    this.onAnswer(message);
  }

  private fail(message: ChatMessage, e: Error): void {
    message.state = 'error';
    message.error = e.message;
  }
}
