// glassbox.backend `openai`: connects to the configured server with its stored API key (and VS Code's proxy if not local).
import type * as vscode from 'vscode';
import { connectRemote } from '../../client/remote-backend';
import type { GlassboxConfig } from '../config';
import type { RemoteConnector } from './model-manager';
import { proxiedFetch } from './model-download-ui';
import { serverApiKey } from './server-key';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Checks the configured address before anything is sent (a clear error for a missing or malformed URL). */
export function checkedBaseUrl(config: GlassboxConfig): URL {
  if (config.remoteBaseUrl === '') {
    throw new Error(
      'glassbox.backend is "openai" but glassbox.remote.baseUrl is empty: set it to the server, for example ' +
        'http://127.0.0.1:8080 (glassbox serve), http://gpu-box:8000 (vLLM) or http://127.0.0.1:11434 (Ollama)',
    );
  }
  let url: URL;
  try {
    url = new URL(config.remoteBaseUrl);
  } catch {
    throw new Error(`glassbox.remote.baseUrl is not a URL: ${JSON.stringify(config.remoteBaseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`glassbox.remote.baseUrl must start with http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password)
    throw new Error('glassbox.remote.baseUrl must not hold credentials: use "Glassbox: Set Server API Key"');
  return url;
}

export function remoteConnector(secrets: vscode.SecretStorage): RemoteConnector {
  return async (config: GlassboxConfig) => {
    const url = checkedBaseUrl(config);
    const apiKey = await serverApiKey(secrets, url.href);
    return connectRemote({
      baseUrl: config.remoteBaseUrl,
      ...(config.remoteModel ? { model: config.remoteModel } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(isLoopback(url.hostname) ? {} : proxiedFetch()),
    });
  };
}
