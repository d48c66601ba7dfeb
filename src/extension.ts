// Extension host entry: activate() registers the commands; deactivate() releases what activate() made.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? 'unknown');
  context.subscriptions.push(
    vscode.commands.registerCommand('glassbox.showInfo', () => {
      void vscode.window.showInformationMessage(`Glassbox ${version}: no model loaded yet.`);
    }),
  );
}

export function deactivate(): void {
  // Nothing to release yet; disposables in context.subscriptions are disposed by VS Code.
}
