// Webview entry (browser, no vscode/node imports): will mount the panel UI; renders nothing yet.

export function mount(root: HTMLElement | null): void {
  if (!root) return;
  root.dataset.glassbox = 'ready';
}

mount(document.getElementById('app'));
