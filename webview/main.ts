// Webview entry (browser only): loads the panel's elements and styles, connects to the host, mounts <gb-app>.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import './chat/chat-message';
import './chat/chat-view';
import './chat/composer';
import './chat/context-meter';
import './chat/history-list';
import './chat/markdown/markdown-view';
import './chat/message-list';
import './inspector/attention-view';
import './inspector/inspector-header';
import './inspector/inspector-view';
import './inspector/lens-view';
import './inspector/neighbours-view';
import './inspector/token-details';
import './inspector/token-strip';
import './inspector/view-note';
import './panel/app';
import './panel/first-run-notice';
import './panel/status-line';
import './step/step-replay';
import './step/step-text';
import './step/step-view';
import './styles/panel.css';
import { PanelStore } from './panel/panel-store';
import { createVsCodeMessenger } from './shared/messenger';

/**
 * vscode-icon (inside vscode-elements' buttons) copies the codicon stylesheet into its shadow root, finding it by
 * this id; the host's HTML shell lists it among its stylesheets without one.
 */
function markCodiconStylesheet(): void {
  if (document.getElementById('vscode-codicon-stylesheet')) return;
  const link = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].find((l) =>
    /codicon\.css(\?|$)/.test(l.href),
  );
  if (link) link.id = 'vscode-codicon-stylesheet';
}

export function mount(root: HTMLElement | null): void {
  if (!root) return;
  markCodiconStylesheet();
  const store = new PanelStore(createVsCodeMessenger());
  const app = document.createElement('gb-app');
  app.store = store;
  root.replaceChildren(app);
  void store.start();
}

mount(document.getElementById('app'));
