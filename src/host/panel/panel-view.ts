// The Glassbox webview view: serves the HTML shell, checks every incoming request, queues intents until `panel/ready`.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Envelope } from '../../protocol/envelope';
import type {
  PanelMethod,
  PanelNotification,
  PanelNotifications,
  PanelParams,
  PanelResult,
} from '../../protocol/panel-methods';
import { BadParams } from '../../protocol/checks';
import { isErrorCode } from '../../protocol/errors';
import { checkRequest } from './message-validation';
import { webviewHtml } from './webview-html';

export const PANEL_VIEW_ID = 'glassbox.panel';

export type PanelHandlers = { [M in PanelMethod]: (params: PanelParams<M>) => Promise<PanelResult<M>> };

/** Notifications that carry a user's intent: kept until the webview is ready instead of dropped. */
const QUEUED: ReadonlySet<PanelNotification> = new Set(['chat/attach', 'panel/showTab', 'step/openReplay']);

export class PanelView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: Envelope[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: PanelHandlers,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [dist, media],
    };
    const styles = ['codicon.css', 'webview.css']
      .map((f) => vscode.Uri.joinPath(dist, f))
      .filter((u) => existsSync(u.fsPath))
      .map((u) => view.webview.asWebviewUri(u).toString());
    view.webview.html = webviewHtml({
      cspSource: view.webview.cspSource,
      nonce: randomBytes(16).toString('base64url'),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUris: styles,
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
        }
      }),
    );
  }

  /** Sends a notification; while the webview is not ready, intents are queued and state updates dropped (panel/ready returns the state). */
  notify<N extends PanelNotification>(method: N, params: PanelNotifications[N]): void {
    const message: Envelope = { method, params };
    if (this.view && this.ready) void this.view.webview.postMessage(message);
    else if (QUEUED.has(method)) this.queue.push(message);
  }

  /** True while the panel is on screen. */
  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  /** Shows the panel (creating it if needed). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${PANEL_VIEW_ID}.focus`);
  }

  private async receive(message: unknown): Promise<void> {
    const view = this.view;
    if (!view) return;
    let request;
    try {
      request = checkRequest(message);
    } catch (e) {
      const rid = (message as { id?: unknown }).id;
      this.log.warn(`panel: refused a message: ${(e as Error).message}`);
      if (typeof rid === 'number' || typeof rid === 'string') {
        void view.webview.postMessage({
          id: rid,
          error: { code: 'bad-params', message: (e as Error).message },
        });
      }
      return;
    }
    if (!request) {
      this.log.warn('panel: ignored a message that is not a request');
      return;
    }
    const handler = this.handlers[request.method] as (p: unknown) => Promise<unknown>;
    try {
      const result = await handler(request.params);
      if (this.view !== view) return;
      // the reply and the ready flag in the same tick: no update can fall between the snapshot and the stream
      void view.webview.postMessage({ id: request.id, result: result ?? null });
      if (request.method === 'panel/ready') {
        this.ready = true;
        for (const queued of this.queue.splice(0)) void view.webview.postMessage(queued);
      }
    } catch (e) {
      const code = (e as { code?: unknown } | undefined)?.code;
      const text = e instanceof Error ? e.message : String(e);
      if (!(e instanceof BadParams)) this.log.error(`panel: ${request.method} failed: ${text}`);
      if (this.view === view) {
        void view.webview.postMessage({
          id: request.id,
          error: {
            code: isErrorCode(code) ? code : 'internal',
            message: text,
          },
        });
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
