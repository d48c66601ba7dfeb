// Installs onnxruntime-node's CUDA provider files: the GPU .nupkg from NuGet, verified, then extracted atomically.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CudaInstallError } from './cuda-errors';
import { feedGet, resolvePackage, type NugetPackage } from './nuget-feed';
import { cudaProviderFiles, NUGET_FEED, noCudaHere, ORT_VERSION } from './provider-files';
import { extractEntries } from './zip-extract';

export interface CudaInstallProgress {
  /** download: bytes of the .nupkg so far; extract: the provider files are being written. */
  phase: 'download' | 'extract';
  bytes: number;
  /** The .nupkg's size (the catalog's, else Content-Length; 0 when neither says). */
  total: number;
}

export interface InstallCudaOptions {
  /** onnxruntime-node's bin folder for this platform (ortBinDir()): where the provider files go. */
  binDir: string;
  /** A NuGet v3 service index; default nuget.org's. */
  feedUrl?: string;
  /** The package version; default the onnxruntime-node version this build pins. */
  version?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  signal?: AbortSignal;
  onProgress?: (p: CudaInstallProgress) => void;
  /** A proxied fetch (proxyFetch in src/hub/proxy-fetch.ts), else the global one. */
  fetch?: typeof fetch;
  /** Where the .nupkg is downloaded to (a fresh folder inside it, removed at the end); default the OS temp folder. */
  tempDir?: string;
}

export interface InstallCudaResult {
  package: NugetPackage;
  /** The provider files now in binDir (full paths). */
  files: string[];
}

const cancelled = () =>
  new CudaInstallError('cancelled', 'the CUDA install was cancelled; nothing was installed');

/** Downloads the .nupkg to `path`, hashing as it writes; resolves with its SHA-512 (base64) and size. */
async function download(
  pkg: NugetPackage,
  path: string,
  options: InstallCudaOptions,
): Promise<{ sha512: string; size: number }> {
  const res = await feedGet(pkg.url, `${pkg.id} ${pkg.version} (.nupkg)`, options);
  const total = pkg.size ?? Number(res.headers.get('content-length') ?? 0);
  const hash = createHash('sha512');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.({ phase: 'download', bytes, total });
      done(null, chunk);
    },
  });
  const body = res.body ? Readable.fromWeb(res.body as WebReadableStream) : Readable.from([]);
  try {
    await pipeline(body, count, createWriteStream(path), options.signal ? { signal: options.signal } : {});
  } catch (e) {
    if (options.signal?.aborted) throw cancelled();
    throw new CudaInstallError(
      'network',
      `the download of ${basename(new URL(pkg.url).pathname)} failed after ${bytes} bytes: ${(e as Error).message}`,
    );
  }
  return { sha512: hash.digest('base64'), size: bytes };
}

/**
 * Installs the CUDA provider files of this onnxruntime-node into `binDir`: resolves the GPU package in the feed,
 * downloads it (progress, cancel), checks it against the feed's SHA-512, then writes only the provider files, each
 * under a temporary name first and renamed into place at the end (the CUDA provider last), so `binDir` never holds a
 * partial file. A failure or a cancel leaves `binDir` as it was.
 */
export async function installCudaSupport(options: InstallCudaOptions): Promise<InstallCudaResult> {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const wanted = cudaProviderFiles(platform, arch);
  if (!wanted) throw new CudaInstallError('unsupported', noCudaHere(platform, arch));
  const version = options.version ?? ORT_VERSION;
  const pkg = await resolvePackage(options.feedUrl ?? NUGET_FEED, wanted.id, version, options);

  const work = mkdtempSync(join(options.tempDir ?? tmpdir(), 'glassbox-cuda-'));
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps = wanted.files.map((f) => ({ ...f, temp: join(options.binDir, `.${f.file}.${tag}.partial`) }));
  try {
    const nupkg = join(work, `${pkg.id.toLowerCase()}.${version}.nupkg`);
    const got = await download(pkg, nupkg, options);
    if ((pkg.size !== undefined && got.size !== pkg.size) || got.sha512 !== pkg.sha512) {
      throw new CudaInstallError(
        'corrupt',
        `${pkg.id} ${version} from ${new URL(pkg.url).host} does not match the SHA-512 its feed publishes ` +
          `(${got.size} bytes${pkg.size !== undefined ? ` of ${pkg.size}` : ''}); it was deleted and nothing was installed`,
      );
    }
    options.onProgress?.({ phase: 'extract', bytes: got.size, total: got.size });
    let absent: string[];
    try {
      mkdirSync(options.binDir, { recursive: true });
      absent = await extractEntries(
        nupkg,
        new Map(temps.map((t) => [t.pathInPackage, t.temp])),
        options.signal,
      );
    } catch (e) {
      if (options.signal?.aborted) throw cancelled();
      // a file system error (EACCES, ENOSPC, EROFS, ENOTDIR ...) is the folder's; anything else the zip's
      throw new CudaInstallError(
        (e as NodeJS.ErrnoException).syscall ? 'write' : 'bad-package',
        `cannot extract the CUDA provider into ${options.binDir}: ${(e as Error).message}`,
      );
    }
    if (absent.length > 0) {
      throw new CudaInstallError('bad-package', `${pkg.id} ${version} has no ${absent.join(', ')}`);
    }
    if (options.signal?.aborted) throw cancelled();
    // the CUDA provider last: a loader that sees it sees the shared provider library too
    const order = [...temps].sort(
      (a, b) => Number(a.file.includes('_cuda.')) - Number(b.file.includes('_cuda.')),
    );
    for (const t of order) renameSync(t.temp, join(options.binDir, t.file));
    return { package: pkg, files: wanted.files.map((f) => join(options.binDir, f.file)) };
  } finally {
    for (const t of temps) {
      try {
        if (statSync(t.temp, { throwIfNoEntry: false })) unlinkSync(t.temp);
      } catch {
        // already renamed into place, or gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}
