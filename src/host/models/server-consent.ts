// Before the first request to a server on another machine: ask once, naming the host, and remember the answer per host.
import { isLoopbackHost } from '../../client/loopback';

/** Where allowed hosts are kept (VS Code's globalState in the extension). */
export interface ConsentStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const ALLOWED_KEY = 'glassbox.allowedServers';

/**
 * Resolves when code may go to `url`: a loopback server at once, a host allowed before at once, any other after `ask`
 * says yes (remembered). A no throws, saying how to be asked again; nothing is remembered.
 */
export async function confirmServer(
  url: URL,
  store: ConsentStore,
  ask: (host: string, origin: string) => Promise<boolean>,
): Promise<void> {
  if (isLoopbackHost(url.hostname)) return;
  const allowed = store.get<string[]>(ALLOWED_KEY) ?? [];
  if (allowed.includes(url.host)) return;
  if (!(await ask(url.host, url.origin))) {
    throw new Error(
      `Glassbox sends nothing to ${url.host} until you allow it: run "Glassbox: Reload Model" to be asked again, ` +
        'or set glassbox.backend to "local"',
    );
  }
  await store.update(ALLOWED_KEY, [...allowed, url.host]);
}
