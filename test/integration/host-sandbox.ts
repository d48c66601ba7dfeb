// Keeps what VS Code's Copilot Chat writes when it starts out of the user's files: a temporary HOME (~/.copilot) and
// TMPDIR (mcp-*), and the files it adds to code-server's own extensions folder removed afterwards.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { ensureCodeServer } from '../../scripts/code-server.mjs';

export interface HostSandbox {
  /** A temporary folder for the test's own files; removed by restore(). */
  dir: string;
  /** HOME and TMPDIR for code-server (and so its extension host and Copilot Chat's processes). */
  env: Record<string, string>;
  /**
   * Once code-server is closed: waits for the processes it left with this environment (its extension host exits after
   * it, and writes into TMPDIR on the way), removes what appeared in code-server's extensions folder since the sandbox
   * was made, and the sandbox; returns the removed paths.
   */
  restore(): Promise<string[]>;
}

/** Every path under `root`, relative to it. */
function listing(root: string): Set<string> {
  return new Set(readdirSync(root, { recursive: true, encoding: 'utf8' }));
}

/** The processes whose environment has `entry` (Linux: /proc/<pid>/environ; a zombie's is empty; none elsewhere). */
function processesWith(entry: string): number[] {
  const pids: number[] = [];
  if (!existsSync('/proc')) return pids;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry)) pids.push(Number(pid));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** Waits up to `ms` for the processes with `entry` in their environment to exit, then kills what is left. */
async function waitForExit(entry: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (processesWith(entry).length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  for (const pid of processesWith(entry)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function hostSandbox(): HostSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-it-host-'));
  const env = { HOME: join(dir, 'home'), TMPDIR: join(dir, 'tmp') };
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true });
  const { entry } = ensureCodeServer() as { entry: string };
  // code-server/out/node/entry.js -> code-server/lib/vscode/extensions (Copilot Chat unpacks its SDK there)
  const extensions = join(dirname(entry), '..', '..', 'lib', 'vscode', 'extensions');
  const before = listing(extensions);
  return {
    dir,
    env,
    async restore() {
      await waitForExit(`TMPDIR=${env.TMPDIR}`, 10_000);
      const added = [...listing(extensions)].filter((p) => !before.has(p)).sort();
      // the topmost new paths: removing a new folder removes what is in it
      const roots = added.filter((p, i) => !added.slice(0, i).some((q) => p.startsWith(q + sep)));
      for (const p of roots) rmSync(join(extensions, p), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      return roots.map((p) => join(extensions, p));
    },
  };
}
