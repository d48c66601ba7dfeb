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
import './components/app';
import './components/attention-view';
import './components/chat-message';
import './components/chat-view';
import './components/composer';
import './components/context-meter';
import './components/first-run-notice';
import './components/history-list';
import './components/inspector-header';
import './components/inspector-view';
import './components/lens-view';
import './components/markdown-view';
import './components/message-list';
import './components/neighbours-view';
import './components/status-line';
import './components/step-replay';
import './components/step-text';
import './components/step-view';
import './components/token-details';
import './components/token-strip';
import './components/view-note';
import './styles/panel.css';
import { createVsCodeMessenger } from './messenger';
import { PanelStore } from './panel-store';

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
