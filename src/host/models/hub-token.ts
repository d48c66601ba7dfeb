// The Hugging Face token: kept in VS Code's SecretStorage ("Glassbox: Set Hugging Face Token"), else $HF_TOKEN.
import type * as vscode from 'vscode';
import { envToken } from '../../hub/hub-api';
import { promptForSecret } from './secret-prompt';

const KEY = 'glassbox.huggingFaceToken';

export async function hubToken(secrets: vscode.SecretStorage): Promise<string | undefined> {
  return (await secrets.get(KEY)) || envToken();
}

/** Asks for a token (empty removes the stored one); never shows or logs it. */
export async function promptForToken(secrets: vscode.SecretStorage): Promise<void> {
  await promptForSecret(secrets, KEY, {
    title: 'Hugging Face token',
    prompt:
      'A read token from huggingface.co/settings/tokens, for gated and private models. Stored in VS Code\'s ' +
      'secret storage. Leave empty to remove the stored token.',
    validateInput: (v) =>
      v === '' || /^hf_[A-Za-z0-9]{20,}$/.test(v.trim()) ? undefined : 'A token starts with hf_',
    what: 'Hugging Face token',
  });
}
