// glassbox.backend `openai`: asks once per non-local server, then connects with its stored API key (and VS Code's proxy).
import * as vscode from 'vscode';
import { isLoopbackHost } from '../../client/loopback';
import { serverRoot } from '../../client/http-json';
import { connectRemote } from '../../client/remote-backend';
import type { GlassboxConfig } from '../config';
import type { RemoteConnector } from './model-manager';
import { proxiedFetch } from './model-download-ui';
import { confirmServer } from './server-consent';
import { serverApiKey } from './server-key';

/** The confirmation itself: a modal naming the host; true when the user allows it. */
async function askToSend(host: string, origin: string): Promise<boolean> {
  const allow = 'Send to This Server';
  const choice = await vscode.window.showWarningMessage(
    `Glassbox will send your chats and the code you explain or inspect to ${host}.`,
    {
      modal: true,
      detail:
        `glassbox.backend is "openai" and glassbox.remote.baseUrl is ${origin}. Allow this only for a server ` +
        'you trust with your code; Glassbox asks once per server.',
    },
    allow,
  );
  return choice === allow;
}

/**
 * The configured address, checked before anything is sent: an empty setting says what to set; a malformed one (not a
 * URL, not http(s), credentials in it) is refused by serverRoot, the check every remote request goes through.
 */
function checkedBaseUrl(config: GlassboxConfig): URL {
  if (config.remoteBaseUrl === '') {
    throw new Error(
      'glassbox.backend is "openai" but glassbox.remote.baseUrl is empty: set it to the server, for example ' +
        'http://127.0.0.1:8080 (glassbox serve), http://gpu-box:8000 (vLLM) or http://127.0.0.1:11434 (Ollama)',
    );
  }
  return new URL(serverRoot(config.remoteBaseUrl));
}

export function remoteConnector(secrets: vscode.SecretStorage, state: vscode.Memento): RemoteConnector {
  return async (config: GlassboxConfig) => {
    const url = checkedBaseUrl(config);
    await confirmServer(url, state, askToSend);
    const apiKey = await serverApiKey(secrets, url.href);
    return connectRemote({
      baseUrl: config.remoteBaseUrl,
      ...(config.remoteModel ? { model: config.remoteModel } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(isLoopbackHost(url.hostname) ? {} : proxiedFetch()),
    });
  };
}
