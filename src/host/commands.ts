// The one table of Glassbox commands: chat, explain or ask about the selection, inspect, models, downloads, CUDA, logs.
import * as vscode from 'vscode';
import type { ChatService } from './chat/chat-service';
import type { InspectorController } from './editor/inspector-controller';
import type { ModelManager } from './models/model-manager';
import type { CurrentConversation } from './panel/panel-handlers';
import type { PanelView } from './panel/panel-view';
import type { Attachment } from '../protocol/panel-methods';
import { rangeAttachment } from './lm/chat-turns';
import { installCuda } from './models/cuda-install-ui';
import { promptForToken } from './models/hub-token';
import { promptForServerKey } from './models/server-key';
import { readConfig } from './config';
import { chooseModel, manageModels, type PickerContext } from './models/model-picker';

export interface CommandContext {
  panel: PanelView;
  chat: ChatService;
  models: ModelManager;
  current: CurrentConversation;
  inspector: InspectorController;
  log: vscode.LogOutputChannel;
  reloadModel: () => void;
  /** What Choose Model..., Manage Models... and the token command work with. */
  picker: PickerContext;
}

/** The selection of the active editor as an attachment, or undefined (with a message) when there is none. */
export function selectionAttachment(editor: vscode.TextEditor | undefined): Attachment | undefined {
  const selection = editor?.selection;
  if (!editor || !selection || selection.isEmpty) {
    void vscode.window.showInformationMessage('Glassbox: select some code in an editor first.');
    return undefined;
  }
  return rangeAttachment(editor.document, selection);
}

export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const table: Record<string, (...args: unknown[]) => unknown> = {
    'glassbox.openChat': async () => {
      await c.panel.reveal();
      c.panel.notify('panel/showTab', { tab: 'chat' });
    },
    'glassbox.explainSelection': async () => {
      const attachment = selectionAttachment(vscode.window.activeTextEditor);
      if (!attachment) return;
      const conversation = await c.chat.send(null, 'Explain what this code does.', [attachment]);
      await c.current.set(conversation.id);
      await c.panel.reveal();
      c.panel.notify('panel/showTab', { tab: 'chat' });
    },
    'glassbox.askAboutSelection': async () => {
      const attachment = selectionAttachment(vscode.window.activeTextEditor);
      if (!attachment) return;
      await c.panel.reveal();
      c.panel.notify('panel/showTab', { tab: 'chat' });
      c.panel.notify('chat/attach', { attachment });
    },
    'glassbox.inspectSelection': async () => {
      if (!selectionAttachment(vscode.window.activeTextEditor)) return;
      await c.panel.reveal();
      c.panel.notify('panel/showTab', { tab: 'inspector' });
      await c.inspector.refresh();
    },
    // Replay in Inspector, the button under @glassbox answers in VS Code's Chat view (stored in Glassbox's history)
    'glassbox.replayAnswer': async (ids) => {
      const { conversationId, messageId } = (ids ?? {}) as { conversationId?: unknown; messageId?: unknown };
      if (typeof conversationId !== 'string' || typeof messageId !== 'string') return;
      await c.panel.reveal();
      c.panel.notify('step/openReplay', { conversationId, messageId });
    },
    'glassbox.toggleHighlights': async () => {
      const on = !c.inspector.snapshot.highlights;
      c.inspector.setHighlights(on);
      if (on && !c.inspector.inspected) await c.inspector.refresh();
    },
    'glassbox.stopAnswer': async () => {
      if ((await c.chat.stopAll()) === 0)
        void vscode.window.showInformationMessage('Glassbox: no answer is being written.');
    },
    'glassbox.showInfo': async () => {
      const s = c.models.currentStatus;
      if (!s) return void vscode.window.showInformationMessage('Glassbox: no model configured yet.');
      const detail =
        s.state === 'ready'
          ? `${s.name} on ${s.executionProvider}, context ${s.contextLength} tokens`
          : s.state === 'loading'
            ? `${s.name} is loading`
            : `${s.name} could not be loaded: ${s.error}`;
      void vscode.window.showInformationMessage(`Glassbox: ${detail}`);
    },
    'glassbox.reloadModel': () => c.reloadModel(),
    'glassbox.chooseModel': () => chooseModel(c.picker),
    'glassbox.manageModels': () => manageModels(c.picker),
    'glassbox.setHubToken': () => promptForToken(c.picker.secrets),
    'glassbox.setServerApiKey': async () => {
      const config = readConfig();
      // the key is asked for the configured server and used at once when that server is in use
      if ((await promptForServerKey(c.picker.secrets, config.remoteBaseUrl)) && config.backend === 'openai')
        c.reloadModel();
    },
    'glassbox.installCudaSupport': () => installCuda({ log: c.log, reloadModel: c.reloadModel }),
    'glassbox.showLogs': () => c.log.show(),
  };
  return Object.entries(table).map(([id, run]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await run(...args);
      } catch (e) {
        c.log.error(`${id} failed: ${(e as Error).message}`);
        void vscode.window.showErrorMessage(`Glassbox: ${(e as Error).message}`);
      }
    }),
  );
}
