// The @glassbox participant in VS Code's Chat view: answers with the active model; /explain, /tokens, /inspect.
import * as vscode from 'vscode';
import type { Attachment, ChatMessage } from '../../protocol/panel-methods';
import type { ChatService } from '../chat/chat-service';
import type { EngineBackend } from '../../client/engine-backend';
import type { ModelManager } from '../models/model-manager';
import { historyMessages, rangeAttachment, referenceAttachments } from './chat-turns';
import { tokenTable } from './token-table';

export const PARTICIPANT_ID = 'glassbox.chat';

export interface ParticipantContext {
  chat: ChatService;
  client: EngineBackend;
  models: ModelManager;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
}

interface AnswerMetadata {
  command?: string;
  conversationId?: string;
  messageId?: string;
}

/** The code a request is about: its references, else the active editor's selection. */
async function requestCode(request: vscode.ChatRequest): Promise<Attachment[]> {
  const referenced = await referenceAttachments(request.references);
  if (referenced.length > 0) return referenced;
  const editor = vscode.window.activeTextEditor;
  return editor && !editor.selection.isEmpty ? [rangeAttachment(editor.document, editor.selection)] : [];
}

const NO_CODE = 'Select some code in an editor (or add it with `#selection` or `#file`) and ask again.';

async function answer(
  c: ParticipantContext,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  stream: vscode.ChatResponseStream,
  token: vscode.CancellationToken,
): Promise<vscode.ChatResult> {
  const code = await requestCode(request);
  let text = request.prompt;
  if (request.command === 'explain') {
    if (code.length === 0) return { errorDetails: { message: NO_CODE } };
    text = `Explain what this code does.${request.prompt.trim() ? ` ${request.prompt.trim()}` : ''}`;
  } else if (text.trim() === '' && code.length === 0) {
    return { errorDetails: { message: 'Ask a question, or use /explain on a selection.' } };
  }
  const now = Date.now();
  const user: ChatMessage = {
    id: 'vscode-request',
    role: 'user',
    content: text,
    ...(code.length ? { attachments: code } : {}),
    createdAt: now,
  };
  const model = await c.models.ready();
  stream.progress(`${model.name} is answering...`);
  const controller = new AbortController();
  const cancel = token.onCancellationRequested(() => controller.abort());
  try {
    const { conversation, message } = await c.chat.answerFrom(
      `@glassbox: ${text.trim().split('\n')[0] || code[0]?.file || 'chat'}`, // titled (cut to 60) once, by the store
      [...historyMessages(context.history, now), user],
      (delta) => stream.markdown(delta),
      controller.signal,
    );
    if (message.state === 'error') return { errorDetails: { message: message.error ?? 'the answer failed' } };
    const ids = { conversationId: conversation.id, messageId: message.id };
    if (message.content !== '') {
      stream.button({ command: 'glassbox.replayAnswer', title: 'Replay in Inspector', arguments: [ids] });
    }
    return { metadata: { ...ids, ...(request.command ? { command: request.command } : {}) } };
  } finally {
    cancel.dispose();
  }
}

/**
 * /tokens (every token with its surprisal) and /inspect (the summary, and a button that opens the Inspector on the
 * selection): one forward pass over the selection, no generation.
 */
async function reading(
  c: ParticipantContext,
  request: vscode.ChatRequest,
  stream: vscode.ChatResponseStream,
  command: 'tokens' | 'inspect',
): Promise<vscode.ChatResult> {
  const [code] = await requestCode(request);
  if (!code) return { errorDetails: { message: NO_CODE } };
  const model = await c.models.ready();
  stream.progress(`${model.name} is reading ${code.file}...`);
  const result = await c.client.request('inspect/run', { text: code.text, topK: 1 });
  try {
    const where = `${code.file} (lines ${code.startLine}-${code.endLine})`;
    stream.markdown(tokenTable(result, where, model.name, command === 'tokens' ? 200 : 0));
  } finally {
    await c.client.request('inspect/release', { handle: result.handle }).catch(() => undefined);
  }
  if (command === 'inspect')
    stream.button({ command: 'glassbox.inspectSelection', title: 'Open in Inspector' });
  return { metadata: { command } };
}

export function registerParticipant(c: ParticipantContext): vscode.Disposable {
  const handler: vscode.ChatRequestHandler = async (request, context, stream, token) => {
    try {
      if (request.command === 'tokens' || request.command === 'inspect')
        return await reading(c, request, stream, request.command);
      return await answer(c, request, context, stream, token);
    } catch (e) {
      c.log.error(`@glassbox failed: ${(e as Error).message}`);
      return { errorDetails: { message: (e as Error).message } };
    }
  };
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(c.extensionUri, 'media', 'glassbox.svg');
  participant.followupProvider = {
    provideFollowups(result: vscode.ChatResult) {
      const meta = (result.metadata ?? {}) as AnswerMetadata;
      if (meta.command === 'tokens' || meta.command === 'inspect')
        return [{ prompt: '', command: 'explain', label: 'Explain this code' }];
      return [
        { prompt: 'Explain it step by step.', label: 'Explain it step by step' },
        { prompt: '', command: 'tokens', label: 'How does the model read this code?' },
      ];
    },
  };
  return participant;
}
