// Downloads one file into the cache's blobs/: resumes with Range, retries with back-off, verifies before it is visible.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { httpError, HubError, retryable } from './hub-errors';

export interface BlobRequest {
  repo: string;
  endpoint: string;
  /** The file's resolve URL at a fixed commit. */
  url: string;
  /** Where the verified file goes; `${blob}.incomplete` holds the bytes so far (the name huggingface_hub uses). */
  blob: string;
  size: number;
  /** LFS SHA-256, or the git blob sha1 for small files: what the finished bytes must hash to. */
  sha256?: string | undefined;
  gitOid?: string | undefined;
  token?: string | undefined;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Called with each chunk's length as it is written (not for bytes found already on disk). */
  onBytes?: (n: number) => void;
  /** Attempts per file (dropped connections, 429, 5xx); default 6. */
  attempts?: number;
  /** First back-off pause; doubles each time, capped at 30 s; a Retry-After header wins. Default 1000 ms. */
  retryBaseMs?: number;
}

const cancelled = () => new HubError('cancelled', 'the download was cancelled');

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** sha256 (LFS) or git's blob sha1 of a file on disk. */
async function digest(path: string, kind: 'sha256' | 'git'): Promise<string> {
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git') hash.update(`blob ${statSync(path).size}\0`);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/**
 * One GET of the file from byte `from` on: the Hub's resolve answers LFS files with a redirect to its CDN, followed
 * here by hand so that the token goes to the Hub only and the Range goes to whoever serves the bytes.
 */
async function open(req: BlobRequest, from: number): Promise<Response> {
  const doFetch = req.fetch ?? fetch;
  const range: Record<string, string> = from > 0 ? { Range: `bytes=${from}-` } : {};
  const auth: Record<string, string> = req.token ? { Authorization: `Bearer ${req.token}` } : {};
  let url = req.url;
  for (let hop = 0; hop < 5; hop++) {
    const sameHost = new URL(url).host === new URL(req.url).host;
    const res = await doFetch(url, {
      headers: { ...range, ...(sameHost ? auth : {}) },
      redirect: 'manual',
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    return res;
  }
  throw new HubError('network', `too many redirects for ${req.url}`);
}

function retryAfterMs(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(value) - Date.now()) || undefined;
}

/** Downloads (or finishes) `req.blob`. Resolves once the verified file is in place; never leaves a bad file there. */
export async function downloadBlob(req: BlobRequest): Promise<void> {
  if (existsSync(req.blob)) return;
  const partial = `${req.blob}.incomplete`;
  const attempts = req.attempts ?? 6;
  const base = req.retryBaseMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    if (req.signal?.aborted) throw cancelled();
    let have = sizeOf(partial);
    if (have > req.size) {
      truncateSync(partial, 0);
      have = 0;
    }
    let pause: number | undefined;
    try {
      if (have < req.size || req.size === 0) {
        const res = await open(req, have);
        if (res.status === 416 && have === req.size) {
          await res.body?.cancel();
        } else {
          if (!res.ok) {
            pause = retryAfterMs(res);
            await res.body?.cancel();
            throw httpError(res.status, req.repo, req.endpoint, res.headers.get('x-error-code'));
          }
          // a server that ignores Range sends the whole file again: start over rather than append it
          const append = have > 0 && res.status === 206;
          if (!append && have > 0) truncateSync(partial, 0);
          const body = res.body ? Readable.fromWeb(res.body as WebReadableStream) : Readable.from([]);
          const counter = async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              req.onBytes?.(chunk.length);
              yield chunk;
            }
          };
          await pipeline(body, counter, createWriteStream(partial, { flags: append ? 'a' : 'w' }));
        }
      }
      const got = sizeOf(partial);
      if (got < req.size)
        throw new HubError('network', `the connection ended after ${got} of ${req.size} bytes`);
      break;
    } catch (e) {
      if (req.signal?.aborted) throw cancelled();
      const error =
        e instanceof HubError ? e : new HubError('network', `download failed: ${(e as Error).message}`);
      if (!retryable(error) || attempt >= attempts) throw error;
      await sleep(pause ?? Math.min(30_000, base * 2 ** (attempt - 1)), req.signal);
    }
  }
  await verify(req, partial);
  renameSync(partial, req.blob); // visible only now, whole and verified
}

async function verify(req: BlobRequest, partial: string): Promise<void> {
  const size = sizeOf(partial);
  const expected = req.sha256 ?? req.gitOid;
  const actual = expected ? await digest(partial, req.sha256 ? 'sha256' : 'git') : undefined;
  if (size !== req.size || (expected && actual !== expected)) {
    unlinkSync(partial);
    const name = req.url.split('/').pop();
    throw new HubError(
      'corrupt',
      size !== req.size
        ? `${name} from ${req.repo} has ${size} bytes, expected ${req.size}: the partial file was deleted`
        : `${name} from ${req.repo} does not match its ${req.sha256 ? 'SHA-256' : 'git hash'} (expected ${expected}, ` +
            `got ${actual}): the file was deleted; download again`,
    );
  }
}
