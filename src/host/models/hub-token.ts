// The Hugging Face token: kept in VS Code's SecretStorage ("Glassbox: Set Hugging Face Token"), else $HF_TOKEN.
import * as vscode from 'vscode';
import { envToken } from '../../hub/hub-api';

const KEY = 'glassbox.huggingFaceToken';

export async function hubToken(secrets: vscode.SecretStorage): Promise<string | undefined> {
  return (await secrets.get(KEY)) || envToken();
}

/** Asks for a token (empty removes the stored one); never shows or logs it. */
export async function promptForToken(secrets: vscode.SecretStorage): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Hugging Face token',
    prompt:
      'A read token from huggingface.co/settings/tokens, for gated and private models. Stored in VS Code\'s ' +
      'secret storage. Leave empty to remove the stored token.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v === '' || /^hf_[A-Za-z0-9]{20,}$/.test(v.trim()) ? undefined : 'A token starts with hf_',
  });
  if (value === undefined) return;
  if (value.trim() === '') {
    await secrets.delete(KEY);
    void vscode.window.showInformationMessage('Glassbox: the stored Hugging Face token was removed.');
  } else {
    await secrets.store(KEY, value.trim());
    void vscode.window.showInformationMessage('Glassbox: Hugging Face token stored.');
  }
}
