// A lock file between processes (two VS Code windows, the CLI) around one download: created exclusively, stale ones taken over.
import { mkdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HubError } from './hub-errors';

/** A lock untouched this long is stale even if its process id is alive (the owner refreshes it every few seconds). */
const STALE_MS = 60_000;
const POLL_MS = 250;

function ownerAlive(path: string): boolean {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (Date.now() - statSync(path).mtimeMs > STALE_MS) return false;
    process.kill(pid, 0); // throws when no such process
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

function tryAcquire(path: string): boolean {
  try {
    writeFileSync(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (ownerAlive(path)) return false;
    try {
      unlinkSync(path); // stale: its owner died or stopped refreshing it
    } catch {
      // another waiter removed it first
    }
    return false;
  }
}

/** Runs `fn` holding the lock at `path`, waiting (cancellably) while another live process holds it. */
export async function withLock<T>(
  path: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  while (!tryAcquire(path)) {
    if (signal?.aborted) throw new HubError('cancelled', 'the download was cancelled');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // the lock was taken away as stale: nothing more to do here
    }
  }, STALE_MS / 4);
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
