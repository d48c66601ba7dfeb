// What the host does for each panel request: chat and history, code-block actions, confirmed links, settings.
import * as vscode from 'vscode';
import { replayAnswer } from '../chat/answer-replay';
import type { ChatService } from '../chat/chat-service';
import type { InspectorController } from '../editor/inspector-controller';
import type { EngineBackend } from '../../client/engine-backend';
import type { ModelManager } from '../models/model-manager';
import { fenceLanguageId } from '../../protocol/fence-languages';
import type { Conversation } from '../../protocol/panel-methods';
import type { PanelHandlers } from './panel-view';

const CURRENT_KEY = 'glassbox.currentConversation';
const NOTICE_KEY = 'glassbox.bundledNoticeDismissed';

export async function languageId(fence: string): Promise<string> {
  const id = fenceLanguageId(fence);
  return id && (await vscode.languages.getLanguages()).includes(id) ? id : 'plaintext';
}

export interface HandlerContext {
  chat: ChatService;
  client: EngineBackend;
  inspector: InspectorController;
  models: ModelManager;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
}

export class CurrentConversation {
  constructor(private readonly state: vscode.Memento) {}
  get id(): string | undefined {
    return this.state.get<string>(CURRENT_KEY);
  }
  set(id: string | undefined): Thenable<void> {
    return this.state.update(CURRENT_KEY, id);
  }
}

export function panelHandlers(ctx: HandlerContext, current: CurrentConversation): PanelHandlers {
  const { chat, models, state, client, inspector } = ctx;
  return {
    'panel/ready': async () => {
      const conversations = await chat.list();
      let conversation: Conversation | null = null;
      const id = current.id;
      if (id && conversations.some((c) => c.id === id)) conversation = await chat.get(id).catch(() => null);
      const status = models.currentStatus;
      return {
        model: status,
        conversations,
        current: conversation,
        firstRun: (status?.bundled ?? true) && !state.get<boolean>(NOTICE_KEY, false),
      };
    },
    'chat/send': async (p) => {
      const c = await chat.send(p.conversationId, p.text, p.attachments);
      await current.set(c.id);
      return { conversationId: c.id };
    },
    'chat/stop': async (p) => {
      await chat.stop(p.conversationId);
    },
    'chat/regenerate': async (p) => {
      await chat.regenerate(p.conversationId);
    },
    'chat/contextUse': async (p) => chat.contextUse(p.conversationId, p.draft, p.attachments),
    'chat/new': async () => {
      await current.set(undefined);
    },
    'history/list': async () => chat.list(),
    'history/open': async (p) => {
      const c = await chat.get(p.id);
      await current.set(c.id);
      return c;
    },
    'history/delete': async (p) => {
      await chat.delete(p.id);
      if (current.id === p.id) await current.set(undefined);
    },
    'editor/insert': async (p) => {
      const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
      if (!editor) throw new Error('Open a file in an editor first: the code is inserted at its cursor.');
      await editor.edit((edit) => {
        for (const s of editor.selections) edit.replace(s, p.code);
      });
    },
    'editor/openNew': async (p) => {
      const doc = await vscode.workspace.openTextDocument({
        content: p.code,
        language: await languageId(p.language),
      });
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'clipboard/copy': async (p) => {
      await vscode.env.clipboard.writeText(p.text);
    },
    'link/open': async (p) => {
      let uri: vscode.Uri;
      try {
        uri = vscode.Uri.parse(p.href, true);
      } catch {
        void vscode.window.showWarningMessage(
          `Glassbox did not open a malformed link: ${p.href.slice(0, 200)}`,
        );
        return { opened: false };
      }
      if (uri.scheme !== 'https' && uri.scheme !== 'http') {
        void vscode.window.showWarningMessage(
          `Glassbox only opens web links from model output; this one is a ${uri.scheme}: link and was not opened.`,
        );
        return { opened: false };
      }
      const choice = await vscode.window.showWarningMessage(
        'Open a link from the model’s answer?',
        { modal: true, detail: `${uri.toString(true)}\n\nModel output can be wrong or misleading.` },
        'Open Link',
      );
      if (choice !== 'Open Link') return { opened: false };
      return { opened: await vscode.env.openExternal(uri) };
    },
    'settings/open': async (p) => {
      await vscode.commands.executeCommand('workbench.action.openSettings', p.query ?? 'glassbox');
    },
    'model/choose': async () => {
      await vscode.commands.executeCommand('glassbox.chooseModel');
    },
    'notice/dismiss': async () => {
      await state.update(NOTICE_KEY, true);
    },
    'inspect/state': async () => inspector.snapshot,
    'inspect/refresh': async () => {
      await inspector.refresh();
    },
    'inspect/pin': async (p) => {
      inspector.setPinned(p.pinned);
    },
    'inspect/reveal': async (p) => {
      await inspector.reveal(p.start, p.end);
    },
    'inspect/highlights': async (p) => {
      inspector.setHighlights(p.on);
    },
    'inspect/attention': (p) => client.request('inspect/attention', p),
    'inspect/thumbnails': (p) => client.request('inspect/thumbnails', p),
    'inspect/lens': (p) => client.request('inspect/lens', p),
    'inspect/neighbours': (p) => client.request('inspect/neighbours', p),
    'step/start': async (p) => {
      await models.ready();
      let prompt = p.prompt;
      if (p.fromSelection) {
        const text = await inspector.text();
        if (text === undefined) throw new Error('Select some code in an editor first.');
        prompt = text;
      }
      if (prompt === '') throw new Error('Type a prompt first.');
      return client.request(
        'step/start',
        p.chat && !p.fromSelection ? { messages: [{ role: 'user', content: prompt }] } : { prompt },
      );
    },
    'step/replay': async (p) => {
      const model = await models.ready();
      const { message, messages } = await chat.answerSource(p.conversationId, p.messageId);
      return replayAnswer(message, messages, model.name, {
        tokenize: async (text) => (await client.request('model/tokenize', { text })).ids,
        start: (m) => client.request('step/start', { messages: m }),
      });
    },
    'step/append': (p) => client.request('step/append', p),
    'step/sample': (p) => client.request('step/sample', { ...p, show: 20 }),
  };
}
