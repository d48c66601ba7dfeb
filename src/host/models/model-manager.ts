// The active model: which folder (setting or bundled), loading it in the engine, and its status for panel and status bar.
import * as vscode from 'vscode';
import type { EngineBackend } from '../../client/engine-backend';
import type { BackendSwitch } from './backend-switch';
import { resolveModelPath } from './model-path';
import { SERVER_LABELS } from '../../client/remote-views';
import type { GlassboxConfig } from '../config';
import type { ModelInfo } from '../../protocol/engine-methods';
import { modelDisplayName } from '../../protocol/model-name';
import type { DownloadStatus, ModelStatus } from '../../protocol/panel-methods';

/** One short clause per skipped provider for the panel and status bar (the log keeps the full reason). */
export function shortFallback(provider: string, reason: string): string {
  if (/not installed/.test(reason) && provider === 'cuda') return 'cuda: provider files not installed';
  if (/are missing|is missing/.test(reason) && provider === 'cuda') return 'cuda: CUDA libraries missing';
  if (/software renderer/.test(reason)) return `${provider}: software adapter only (slower than cpu)`;
  if (/adapter/i.test(reason)) return `${provider}: no GPU adapter`;
  if (/exists only on/.test(reason)) return `${provider}: not on this platform`;
  const first = reason.split(/[.;(]/)[0]?.trim() ?? reason;
  return `${provider}: ${first.length > 60 ? `${first.slice(0, 57)}...` : first}`;
}

export type RemoteConnector = (config: GlassboxConfig) => Promise<{ backend: EngineBackend; info: ModelInfo }>;


/** `host:port` of a server URL, for the status bar (the URL itself when it does not parse). */
export function serverLabel(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl || 'no server set';
  }
}

export class ModelManager implements vscode.Disposable {
  private current: Promise<ModelInfo> | undefined;
  private status: ModelStatus | null = null;
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<ModelStatus>();
  readonly onDidChangeStatus = this.changed.event;

  constructor(
    private readonly backends: BackendSwitch,
    private readonly bundledDir: string,
    private readonly log: vscode.LogOutputChannel,
    /** Connects to the configured server (glassbox.backend `openai`): its backend and the model it serves. */
    private readonly connect: RemoteConnector,
  ) {}

  get currentStatus(): ModelStatus | null {
    return this.status;
  }

  /** Loads the configured model (replacing the previous one); never throws: failures become the error status. */
  load(config: GlassboxConfig): Promise<ModelInfo> {
    if (config.backend === 'openai') return this.loadRemote(config);
    this.backends.use(this.backends.local);
    const ticket = ++this.generation;
    let where: { dir: string; bundled: boolean };
    try {
      where = resolveModelPath(config.modelPath, this.bundledDir, {
        folder: vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath,
        trusted: vscode.workspace.isTrusted,
      });
    } catch (e) {
      const message = (e as Error).message;
      this.log.error(message);
      this.set({ state: 'error', name: modelDisplayName(config.modelPath), dir: config.modelPath, bundled: false, error: message });
      this.current = Promise.reject(e as Error);
      this.current.catch(() => undefined);
      return this.current;
    }
    const { dir, bundled } = where;
    this.set({ state: 'loading', name: modelDisplayName(dir), dir, bundled });
    this.log.info(`loading model ${dir} (execution provider: ${config.executionProvider})`);
    const started = Date.now();
    const loading = this.backends.local.request('model/load', {
      dir,
      ep: config.executionProvider,
      cpuFastMath: config.cpuFastMath,
      ...(config.modelDtype ? { dtype: config.modelDtype } : {}),
    });
    this.current = loading;
    loading.then(
      (info) => {
        if (ticket !== this.generation) return;
        const fallbacks = info.executionProvider.fallbacks.map((f) => shortFallback(f.provider, f.reason));
        const full = info.executionProvider.fallbacks.map((f) => `${f.provider}: ${f.reason}`);
        this.log.info(
          `loaded ${info.name} in ${Date.now() - started} ms on ${info.executionProvider.used}` +
            `${full.length ? ` (skipped ${full.join('; ')})` : ''}; context ${info.contextLength} tokens`,
        );
        this.set({
          state: 'ready',
          name: info.name,
          dir,
          bundled,
          contextLength: info.contextLength,
          executionProvider: info.executionProvider.used,
          fallbacks,
          ...(info.quantizedCompute ? { quantizedCompute: info.quantizedCompute.mode } : {}),
        });
      },
      (e: Error) => {
        if (ticket !== this.generation) return;
        this.log.error(`could not load the model at ${dir}: ${e.message}`);
        this.set({ state: 'error', name: modelDisplayName(dir), dir, bundled, error: e.message });
      },
    );
    return loading;
  }

  /** Connects to the configured server; its model becomes the current one once the server has answered. */
  private loadRemote(config: GlassboxConfig): Promise<ModelInfo> {
    const ticket = ++this.generation;
    const dir = config.remoteBaseUrl;
    const name = config.remoteModel || serverLabel(dir);
    this.set({ state: 'loading', name, dir, bundled: false });
    this.log.info(`connecting to ${dir || '(no glassbox.remote.baseUrl)'}${config.remoteModel ? ` for ${config.remoteModel}` : ''}`);
    const connecting = this.connect(config).then(({ backend, info }) => {
      if (ticket !== this.generation) {
        backend.dispose();
        return info;
      }
      this.backends.use(backend);
      return info;
    });
    this.current = connecting;
    connecting.then(
      (info) => {
        if (ticket !== this.generation || !info.remote) return;
        const { kind, baseUrl, views, models } = info.remote;
        this.log.info(`connected to ${SERVER_LABELS[kind]} at ${baseUrl}: ${info.name}; context ${info.contextLength || '?'} tokens`);
        this.set({
          state: 'ready',
          name: info.name,
          dir: baseUrl,
          bundled: false,
          ...(info.contextLength > 0 ? { contextLength: info.contextLength } : {}),
          executionProvider: `${SERVER_LABELS[kind]} at ${serverLabel(baseUrl)}`,
          server: { kind, baseUrl, models, views },
        });
      },
      (e: Error) => {
        if (ticket !== this.generation) return;
        this.log.error(`could not use the server at ${dir}: ${e.message}`);
        this.set({ state: 'error', name, dir, bundled: false, error: e.message });
      },
    );
    return connecting;
  }

  /** The loaded model; waits for a load in progress; throws why it could not load. */
  async ready(): Promise<ModelInfo> {
    if (!this.current) throw new Error('no model is loaded yet');
    try {
      return await this.current;
    } catch (e) {
      throw new Error(`The model could not be loaded: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A download's progress, shown with the model that runs meanwhile (undefined: no download). */
  downloading(download: DownloadStatus | undefined): void {
    if (!this.status) return;
    const { download: _previous, ...rest } = this.status;
    this.set(download ? { ...rest, download } : rest);
  }

  /** Remembers the speed of the last answer (shown in the status bar and panel). */
  answered(tokensPerSecond: number): void {
    if (this.status?.state === 'ready') this.set({ ...this.status, lastTokensPerSecond: tokensPerSecond });
  }

  private set(status: ModelStatus): void {
    this.status = status;
    this.changed.fire(status);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
