// Test support for the server tests: starts the built `glassbox serve --port 0` and reads its URL; splits SSE bodies.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cliPath } from './cli';

export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/** Starts `node dist/cli.js serve --port 0 ...args` and resolves once it prints its listening line. */
export async function serve(args: string[] = [], timeoutMs = 30_000): Promise<Served> {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build first`);
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--ep', 'cpu', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`glassbox serve did not start in ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`glassbox serve exited (${code}): ${err}`));
    });
  });
  return {
    url,
    child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

/** Reads an SSE body into its `data:` payloads. */
export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .map((e) => e.trim())
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}
