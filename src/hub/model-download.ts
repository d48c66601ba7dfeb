// Downloads one ONNX variant of a Hub model into the Hugging Face cache: progress, cancellation, lock, disk check.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  statfsSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { downloadBlob } from './blob-download';
import { listRepo, type HubOptions, type RepoFile } from './hub-api';
import { blobPath, repoDir, snapshotDir } from './hub-cache';
import { HubError } from './hub-errors';
import { withLock } from './file-lock';
import { filesFor } from './variant-files';

export interface DownloadProgress {
  /** The file being fetched now. */
  file: string;
  /** Bytes of the chosen files on disk, verified or partial, out of `total`. */
  bytes: number;
  total: number;
  /** Over the last few seconds of this run. */
  bytesPerSecond: number;
  secondsLeft: number | undefined;
}

export interface DownloadRequest extends HubOptions {
  repo: string;
  revision?: string;
  dtype: string;
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Passed to each file's download (attempts, first back-off pause). */
  attempts?: number;
  retryBaseMs?: number;
}

export interface DownloadResult {
  /** The snapshot folder: a model folder Glassbox (and Transformers.js) loads. */
  path: string;
  commit: string;
  files: string[];
  bytes: number;
}

/** Link `snapshots/<commit>/<path>` to its blob (relative, as huggingface_hub does; a copy where links fail). */
function linkIntoSnapshot(snapshot: string, path: string, blob: string): void {
  const target = join(snapshot, path);
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  try {
    symlinkSync(relative(dirname(target), blob), target);
  } catch {
    copyFileSync(blob, target);
  }
}

/** A rolling rate over the last ten seconds of samples. */
class Rate {
  private readonly samples: { t: number; bytes: number }[] = [];
  add(bytes: number): number {
    const t = Date.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - (this.samples[0] as { t: number }).t > 10_000) this.samples.shift();
    const first = this.samples[0] as { t: number; bytes: number };
    const seconds = (t - first.t) / 1000;
    return seconds > 0.2 ? (bytes - first.bytes) / seconds : 0;
  }
}

const etagOf = (f: RepoFile) => f.sha256 ?? f.gitOid;

/**
 * Fetches the files `dtype` needs (json files, the variant's .onnx and its data) at the commit `revision` points to.
 * Files already verified in the cache are not fetched again; partial files resume. The snapshot only ever holds
 * verified files, and refs/<revision> is written last, so a model counts as downloaded only when all of it is.
 */
export async function downloadModel(req: DownloadRequest): Promise<DownloadResult> {
  const revision = req.revision ?? 'main';
  const listing = await listRepo(req.repo, revision, req);
  const files = filesFor(req.repo, listing.files, req.dtype);
  const total = files.reduce((s, f) => s + f.size, 0);
  const blobOf = (f: RepoFile) =>
    blobPath(req.cacheDir, req.repo, etagOf(f) ?? `nohash-${listing.commit}-${f.path.replace(/\//g, '--')}`);
  const onDisk = (f: RepoFile) => {
    const blob = blobOf(f);
    if (existsSync(blob)) return f.size;
    const partial = `${blob}.incomplete`;
    return existsSync(partial) ? Math.min(f.size, statSync(partial).size) : 0;
  };
  mkdirSync(join(repoDir(req.cacheDir, req.repo), 'blobs'), { recursive: true });
  let bytes = files.reduce((s, f) => s + onDisk(f), 0);
  const free = freeBytes(req.cacheDir);
  if (free !== undefined && total - bytes > free) {
    throw new HubError(
      'no-space',
      `${req.repo} (${req.dtype}) needs ${gib(total - bytes)} more but ${req.cacheDir} has ${gib(free)} free`,
    );
  }
  const rate = new Rate();
  let current = files[0]?.path ?? '';
  const report = () => {
    const bytesPerSecond = rate.add(bytes);
    req.onProgress?.({
      file: current,
      bytes,
      total,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? (total - bytes) / bytesPerSecond : undefined,
    });
  };
  report();
  const snapshot = snapshotDir(req.cacheDir, req.repo, listing.commit);
  const recount = () => (bytes = files.reduce((s, g) => s + onDisk(g), 0));
  for (const f of files) {
    current = f.path;
    const blob = blobOf(f);
    const lock = join(
      req.cacheDir,
      '.locks',
      `models--${req.repo.split('/').join('--')}`,
      `${blob.split('/').pop()}.lock`,
    );
    await withLock(lock, req.signal, async () => {
      // another window may have finished it while this one waited (downloadBlob returns at once then)
      await downloadBlob({
        repo: req.repo,
        endpoint: req.endpoint,
        url: `${req.endpoint}/${req.repo}/resolve/${listing.commit}/${f.path.split('/').map(encodeURIComponent).join('/')}`,
        blob,
        size: f.size,
        sha256: f.sha256,
        gitOid: f.gitOid,
        token: req.token,
        ...(req.fetch ? { fetch: req.fetch } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.attempts ? { attempts: req.attempts } : {}),
        ...(req.retryBaseMs ? { retryBaseMs: req.retryBaseMs } : {}),
        onBytes: (n) => {
          bytes += n;
          report();
        },
      }).finally(recount); // what is on disk counts: a restarted or deleted partial is not counted twice
      linkIntoSnapshot(snapshot, f.path, blob);
    });
  }
  if (!/^[0-9a-f]{40}$/.test(revision)) {
    const ref = join(repoDir(req.cacheDir, req.repo), 'refs', revision);
    mkdirSync(dirname(ref), { recursive: true });
    writeFileSync(ref, listing.commit);
  }
  report();
  return { path: snapshot, commit: listing.commit, files: files.map((f) => f.path), bytes: total };
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

const gib = (n: number) =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
