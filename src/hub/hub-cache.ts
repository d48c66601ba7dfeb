// The Hugging Face cache layout (models--org--name/{blobs,snapshots/<commit>,refs}), shared with Python and Transformers.js.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The hub cache folder as huggingface_hub finds it: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** A model repository id, `org/name` (the Hub's spelling: letters, digits, `-`, `_`, `.`). */
export const REPO_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

export function isRepoId(value: string): boolean {
  return REPO_ID.test(value) && !value.includes('..');
}

/** `models--org--name` under the cache. */
export function repoDir(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split('/').join('--')}`);
}

export function snapshotDir(cacheDir: string, repo: string, commit: string): string {
  return join(repoDir(cacheDir, repo), 'snapshots', commit);
}

export function blobPath(cacheDir: string, repo: string, etag: string): string {
  return join(repoDir(cacheDir, repo), 'blobs', etag);
}

/** The commit a ref (branch or tag) points to in the cache, if it was downloaded. */
export function readRef(cacheDir: string, repo: string, ref: string): string | undefined {
  const file = join(repoDir(cacheDir, repo), 'refs', ref);
  if (!existsSync(file)) return undefined;
  const commit = readFileSync(file, 'utf8').trim();
  return /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
}

/**
 * The cached snapshot folder of `repo` at `revision` (a branch, tag or commit), or undefined when it is not here.
 * A snapshot only holds files that were verified (see download.ts), so its presence means usable files.
 */
export function cachedSnapshot(cacheDir: string, repo: string, revision = 'main'): string | undefined {
  const commit = /^[0-9a-f]{40}$/.test(revision) ? revision : readRef(cacheDir, repo, revision);
  if (!commit) return undefined;
  const dir = snapshotDir(cacheDir, repo, commit);
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}
