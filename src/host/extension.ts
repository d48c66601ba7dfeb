// Extension host entry: activate() builds the engine client, model manager, chat, panel, commands and status bar.
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { ChatService } from './chat/chat-service';
import { engineChat } from './chat/engine-chat';
import { HistoryStore } from './chat/history-store';
import { registerCommands } from './commands';
import { loadKey, readConfig, RELOAD_SETTINGS } from './config';
import { Highlights } from './editor/highlights';
import { InspectorController } from './editor/inspector-controller';
import { createStatusBar } from './editor/status-bar';
import { EngineClient } from '../client/engine-client';
import { GlassboxLmProvider, LM_VENDOR } from './lm/lm-provider';
import { registerParticipant } from './lm/participant';
import { cudaOffer } from './models/cuda-install-ui';
import { BackendSwitch } from './models/backend-switch';
import { ModelManager } from './models/model-manager';
import { remoteConnector } from './models/remote-connect';
import type { PickerContext } from './models/model-picker';
import { CurrentConversation, panelHandlers } from './panel/panel-handlers';
import { PANEL_VIEW_ID, PanelView } from './panel/panel-view';

let cleanup: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Glassbox', { log: true });
  const storage = context.globalStorageUri.fsPath;
  const local = new EngineClient({
    enginePath: join(context.extensionPath, 'dist', 'engine.js'),
    env: { ...process.env, GLASSBOX_CACHE_DIR: join(storage, 'cache') },
    onStderr: (text) => log.warn(`engine: ${text.trimEnd()}`),
    onExit: ({ code, signal }) =>
      log.error(
        `the engine process stopped (${signal ?? `code ${code}`}); it restarts with the model on the next request`,
      ),
  });
  // the local engine, or the configured server (glassbox.backend); every part of the host calls through this
  const client = new BackendSwitch(local);
  const models = new ModelManager(
    client,
    join(context.extensionPath, 'models', 'glassbox-tiny'),
    log,
    remoteConnector(context.secrets, context.globalState),
  );
  const chat = new ChatService(
    new HistoryStore(join(storage, 'conversations'), (m) => log.warn(m)),
    engineChat(client, models),
    () => readConfig(),
    // panel is made below; chat notifies only once requests arrive
    (method, params) => panel.notify(method, params),
  );
  chat.onAnswer = (m) => {
    if (m.stats) {
      models.answered(m.stats.tokensPerSecond);
      log.info(
        `answer: ${m.stats.tokens} tokens, ${m.stats.tokensPerSecond.toFixed(1)} tokens/s, ` +
          `first token ${m.stats.firstTokenMs.toFixed(0)} ms, prompt ${m.stats.promptTokens} tokens, ${m.stats.stopReason}`,
      );
    }
    if (m.state === 'error') log.error(`answer failed: ${m.error}`);
  };
  const current = new CurrentConversation(context.globalState);
  const inspector: InspectorController = new InspectorController(
    client,
    models,
    log,
    (): boolean => panel.visible || inspector.snapshot.highlights,
  );
  const panel: PanelView = new PanelView(
    context.extensionUri,
    panelHandlers({ chat, client, inspector, models, state: context.globalState, log }, current),
    log,
  );
  // what a load depends on: a settings change that leaves it equal (a server's address while local) reloads nothing
  let loaded = '';
  const reloadModel = () => {
    const config = readConfig();
    loaded = loadKey(config);
    void models.load(config).catch(() => undefined);
  };
  const bundledDir = join(context.extensionPath, 'models', 'glassbox-tiny');
  const picker: PickerContext = {
    secrets: context.secrets,
    state: context.globalState,
    log,
    bundledDir,
    config: readConfig,
    provider: () => models.currentStatus?.executionProvider,
    currentDir: () => {
      const dir = models.currentStatus?.dir;
      return dir === undefined ? undefined : resolve(dir);
    },
    server: () => {
      const s = models.currentStatus;
      return s?.server && { baseUrl: s.server.baseUrl, models: s.server.models, current: s.name };
    },
    // settings, so the choice applies at once (the change reloads the model) and survives restarts
    use: async (folder, dtype) => {
      const settings = vscode.workspace.getConfiguration('glassbox');
      await settings.update('modelDtype', dtype, vscode.ConfigurationTarget.Global);
      await settings.update('modelPath', folder, vscode.ConfigurationTarget.Global);
      await settings.update('backend', 'local', vscode.ConfigurationTarget.Global);
    },
    useServer: async (baseUrl, model) => {
      const settings = vscode.workspace.getConfiguration('glassbox');
      await settings.update('remote.baseUrl', baseUrl, vscode.ConfigurationTarget.Global);
      await settings.update('remote.model', model, vscode.ConfigurationTarget.Global);
      await settings.update('backend', 'openai', vscode.ConfigurationTarget.Global);
    },
    onProgress: (p) =>
      models.downloading(
        p && {
          repo: p.repo,
          dtype: p.dtype,
          bytes: p.bytes,
          total: p.total,
          bytesPerSecond: p.bytesPerSecond,
          secondsLeft: p.secondsLeft ?? null,
        },
      ),
  };

  let lastLmKey = '';
  const lmProvider = new GlassboxLmProvider({
    client,
    models,
    bundledDir,
    use: async (dir, dtype) => {
      await picker.use(resolve(dir) === resolve(bundledDir) ? '' : dir, dtype);
    },
    useServer: (baseUrl, model) => picker.useServer(baseUrl, model),
  });

  context.subscriptions.push(
    log,
    registerParticipant({ chat, client, models, log, extensionUri: context.extensionUri }),
    vscode.lm.registerLanguageModelChatProvider(LM_VENDOR, lmProvider),
    // the picker's list changes when a model finishes loading or a download lands, not on every progress tick
    models.onDidChangeStatus((s) => {
      const key = `${s.state}:${s.dir}:${s.download ? 'downloading' : ''}`;
      if (key !== lastLmKey) lmProvider.refresh();
      lastLmKey = key;
    }),
    models,
    panel,
    vscode.window.registerWebviewViewProvider(PANEL_VIEW_ID, panel),
    models.onDidChangeStatus((s) => panel.notify('model/status', s)),
    models.onDidChangeStatus(cudaOffer({ log, reloadModel })),
    inspector,
    new Highlights(inspector),
    inspector.onDidChange((s) => panel.notify('inspect/state', s)),
    createStatusBar(models.onDidChangeStatus),
    ...registerCommands({ panel, chat, models, current, inspector, log, reloadModel, picker }),
    // a relative glassbox.modelPath is resolved against the workspace only once it is trusted
    vscode.workspace.onDidGrantWorkspaceTrust(() => reloadModel()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RELOAD_SETTINGS.some((s) => e.affectsConfiguration(s)) && loadKey(readConfig()) !== loaded)
        reloadModel();
    }),
  );
  reloadModel();
  cleanup = async () => {
    await chat.dispose();
    client.dispose();
  };
}

export async function deactivate(): Promise<void> {
  await cleanup?.();
  cleanup = undefined;
}
