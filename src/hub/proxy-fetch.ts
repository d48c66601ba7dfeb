// A fetch that goes through an HTTP(S) proxy: VS Code's http.proxy setting, or HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
import { EnvHttpProxyAgent, fetch as undiciFetch, ProxyAgent, type Dispatcher } from 'undici';

export interface ProxySettings {
  /** An explicit proxy URL (VS Code's http.proxy); empty or absent: the environment's, if any. */
  url?: string | undefined;
  /** Check the proxy's and the servers' certificates (VS Code's http.proxyStrictSSL); default true. */
  strictSSL?: boolean;
}

const ENV_KEYS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * Node's own fetch ignores proxies. This returns one that uses the proxy the settings or the environment name, or
 * undefined when there is none (plain fetch then).
 */
export function proxyFetch(
  settings: ProxySettings = {},
  env: NodeJS.ProcessEnv = process.env,
): typeof fetch | undefined {
  const tls = { rejectUnauthorized: settings.strictSSL ?? true };
  let dispatcher: Dispatcher;
  if (settings.url) dispatcher = new ProxyAgent({ uri: settings.url, requestTls: tls, proxyTls: tls });
  else if (ENV_KEYS.some((k) => env[k]))
    dispatcher = new EnvHttpProxyAgent({ requestTls: tls, proxyTls: tls });
  else return undefined;
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}
