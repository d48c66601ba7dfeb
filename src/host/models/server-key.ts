// A server's API key ("Glassbox: Set Server API Key"): kept in SecretStorage per server origin, never in settings.
import * as vscode from 'vscode';
import { promptForSecret } from './secret-prompt';

/** One key per origin: a key given for one server is never sent to another. */
function keyName(baseUrl: string): string | undefined {
  try {
    return `glassbox.serverApiKey:${new URL(baseUrl).origin}`;
  } catch {
    return undefined;
  }
}

export async function serverApiKey(secrets: vscode.SecretStorage, baseUrl: string): Promise<string | undefined> {
  const name = keyName(baseUrl);
  return name ? (await secrets.get(name)) || undefined : undefined;
}

/** Asks for the key of the configured server (empty removes it); never shows or logs it. True when it changed. */
export async function promptForServerKey(secrets: vscode.SecretStorage, baseUrl: string): Promise<boolean> {
  const name = keyName(baseUrl);
  if (!name) {
    void vscode.window.showErrorMessage(
      'Glassbox: set glassbox.remote.baseUrl to the server first (for example http://127.0.0.1:8080).',
    );
    return false;
  }
  const origin = new URL(baseUrl).origin;
  return promptForSecret(secrets, name, {
    title: `API key for ${origin}`,
    prompt:
      `Sent as "Authorization: Bearer <key>" to ${origin} only. Stored in VS Code's secret storage. ` +
      'Leave empty to remove the stored key.',
    what: `API key for ${origin}`,
  });
}
