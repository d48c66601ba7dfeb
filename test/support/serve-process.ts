// Starts the built `glassbox serve` (node dist/cli.js serve) on a free 127.0.0.1 port for tests, and stops it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cliPath } from './cli';

export interface ServeProcess {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  child: ChildProcess;
  /** Everything the server wrote (stdout and stderr), for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

/** `glassbox serve --port 0 ...args`; resolves once it prints where it listens (within `timeoutMs`). */
export async function startServe(args: string[] = [], timeoutMs = 60_000): Promise<ServeProcess> {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build first`);
  const child = spawn(process.execPath, [cliPath, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (text += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (text += t));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`glassbox serve did not start in ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    const look = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', look);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`glassbox serve exited (code ${code}) before listening:\n${text}`));
    });
  }).catch(async (e: Error) => {
    await stop();
    throw e;
  });
  return { baseUrl, child, output: () => text, stop };
}
