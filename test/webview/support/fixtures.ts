// Test-only builders for conversations, messages and model states the fake host hands the panel.
import type {
  AnswerStats,
  Attachment,
  ChatMessage,
  Conversation,
  ConversationSummary,
  MessageState,
  ModelStatus,
  PanelInit,
} from '../../../src/protocol/panel-methods';
import type { FakeHostConfig } from './fake-host-types';

export const T0 = Date.UTC(2026, 10, 20, 9, 30);

export const readyModel: ModelStatus = {
  state: 'ready',
  name: 'glassbox-tiny',
  dir: '/ext/models/glassbox-tiny',
  bundled: true,
  contextLength: 2048,
  executionProvider: 'cpu',
};

export const user = (id: string, content: string, attachments?: Attachment[]): ChatMessage => ({
  id,
  role: 'user',
  content,
  createdAt: T0,
  ...(attachments ? { attachments } : {}),
});

export const assistant = (
  id: string,
  content: string,
  state: MessageState = 'done',
  stats?: AnswerStats,
) => ({
  id,
  role: 'assistant' as const,
  content,
  state,
  createdAt: T0,
  ...(stats ? { stats } : {}),
});

export const stats = (tokens: number, stopReason: AnswerStats['stopReason'] = 'eos'): AnswerStats => ({
  promptTokens: 40,
  tokens,
  tokensPerSecond: 31.25,
  firstTokenMs: 12,
  stopReason,
  executionProvider: 'cpu',
  model: 'glassbox-tiny',
});

export const conversation = (
  id: string,
  title: string,
  messages: ChatMessage[],
  updatedAt = T0,
): Conversation => ({
  id,
  title,
  createdAt: T0,
  updatedAt,
  messages,
});

export const summary = (c: Conversation): ConversationSummary => ({
  id: c.id,
  title: c.title,
  updatedAt: c.updatedAt,
  messageCount: c.messages.length,
});

export const selection = (file: string, startLine: number, endLine: number, text: string): Attachment => ({
  kind: 'selection',
  file,
  language: 'typescript',
  text,
  startLine,
  endLine,
});

/** A host config: no first-run notice, the tiny model ready, these conversations stored, `current` open. */
export function hostConfig(
  options: {
    conversations?: Conversation[];
    current?: Conversation | null;
    model?: ModelStatus | null;
    firstRun?: boolean;
  } & Omit<FakeHostConfig, 'init' | 'conversations'> = {},
): FakeHostConfig {
  const { conversations = [], current = null, model = readyModel, firstRun = false, ...rest } = options;
  const init: PanelInit = { model, firstRun, current, conversations: conversations.map(summary) };
  return { ...rest, conversations, init };
}
