// The ONNX causal language models already in the Hugging Face cache (downloaded by Glassbox, Python or Transformers.js).
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import { dtypeOfFile } from '../protocol/dtypes';
import { repoDir } from './hub-cache';

export interface CachedModel {
  repo: string;
  commit: string;
  /** The snapshot folder, a model folder. */
  path: string;
  /** Branches and tags that point at this commit (main, ...). */
  refs: string[];
  /** The ONNX variants whose files are in this snapshot. */
  dtypes: string[];
  /** Bytes on disk of this snapshot's files. */
  bytes: number;
}

function dtypesIn(snapshot: string): string[] {
  return ['onnx', '']
    .map((d) => join(snapshot, d))
    .filter((d) => existsSync(d))
    .flatMap((d) =>
      readdirSync(d)
        .map((f) => dtypeOfFile(f))
        .filter((x): x is string => x !== undefined),
    );
}

/** Bytes of the blobs a snapshot's files point to, subfolders included (scanCacheDir's sizes leave those out). */
function snapshotBytes(snapshot: string): number {
  const blobs = new Map<string, number>();
  for (const name of readdirSync(snapshot, { recursive: true, encoding: 'utf8' })) {
    try {
      const st = statSync(join(snapshot, name));
      if (st.isFile()) blobs.set(realpathSync(join(snapshot, name)), st.size);
    } catch {
      // a dangling link: its blob was deleted
    }
  }
  return [...blobs.values()].reduce((a, b) => a + b, 0);
}

/** Every snapshot in the cache holding a config.json and at least one ONNX decoder variant; newest first. */
export async function cachedModels(cacheDir: string): Promise<CachedModel[]> {
  if (!existsSync(cacheDir)) return [];
  const info = await scanCacheDir(cacheDir);
  const out: CachedModel[] = [];
  for (const repo of info.repos) {
    if (repo.id.type !== 'model') continue;
    const revisions = [...repo.revisions].sort(
      (a, b) => b.lastModifiedAt.getTime() - a.lastModifiedAt.getTime(),
    );
    for (const rev of revisions) {
      if (!existsSync(join(rev.path, 'config.json'))) continue;
      const dtypes = dtypesIn(rev.path);
      if (dtypes.length === 0) continue;
      out.push({
        repo: repo.id.name,
        commit: rev.commitOid,
        path: rev.path,
        refs: rev.refs,
        dtypes,
        bytes: snapshotBytes(rev.path),
      });
    }
  }
  return out;
}

/** Deletes a repository from the cache: its snapshots, blobs and refs (as `huggingface-cli delete-cache` would). */
export function deleteCachedRepo(cacheDir: string, repo: string): void {
  rmSync(repoDir(cacheDir, repo), { recursive: true, force: true });
}
