// Asks for a secret in a password box and keeps it in SecretStorage (empty removes it); never shows or logs it.
import * as vscode from 'vscode';

export interface SecretPrompt {
  title: string;
  prompt: string;
  validateInput?: (value: string) => string | undefined;
  /** What the confirmations call it: "Hugging Face token", "API key for http://gpu-box:8000". */
  what: string;
}

/** True when the stored secret changed (stored or removed); false when the box was dismissed. */
export async function promptForSecret(
  secrets: vscode.SecretStorage,
  key: string,
  ask: SecretPrompt,
): Promise<boolean> {
  const value = await vscode.window.showInputBox({
    title: ask.title,
    prompt: ask.prompt,
    password: true,
    ignoreFocusOut: true,
    ...(ask.validateInput ? { validateInput: ask.validateInput } : {}),
  });
  if (value === undefined) return false;
  if (value.trim() === '') {
    await secrets.delete(key);
    void vscode.window.showInformationMessage(`Glassbox: the stored ${ask.what} was removed.`);
  } else {
    await secrets.store(key, value.trim());
    void vscode.window.showInformationMessage(`Glassbox: ${ask.what} stored.`);
  }
  return true;
}
