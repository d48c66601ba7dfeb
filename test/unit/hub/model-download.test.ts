// Downloads from a local Hub stand-in: the cache layout, resume after a dropped connection, verification, every fault.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cachedModels, deleteCachedRepo } from '../../../src/hub/cached-models';
import { blobPath, cachedSnapshot, repoDir } from '../../../src/hub/hub-cache';
import { HubError } from '../../../src/hub/hub-errors';
import { downloadModel, type DownloadProgress } from '../../../src/hub/model-download';
import { loadModelFolder } from '../../../src/engine/model/model-folder';
import { fixturesDir } from '../../support/model-folder';
import { repoFromFolder, startHubStandin, type HubStandin } from '../../support/hub-standin';

const REPO = 'onnx-community/tiny-llama';
const GATED = 'meta-test/gated-llama';
const TOKEN = 'hf_standinTokenForTheGatedRepo000';
const tmp = mkdtempSync(join(tmpdir(), 'glassbox-hub-'));
let hub: HubStandin;
const files = repoFromFolder(REPO, join(fixturesDir, 'hub', 'llama'));
const q4 = files.files.find((f) => f.path === 'onnx/model_q4.onnx') as { bytes: Uint8Array };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

before(async () => {
  hub = await startHubStandin([
    files,
    { ...repoFromFolder(GATED, join(fixturesDir, 'hub', 'llama')), gated: 'manual', token: TOKEN },
  ]);
});
after(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
/** A fresh cache folder per test. */
const freshCache = () => {
  const dir = join(tmp, `cache-${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const get = (cacheDir: string, extra: Partial<Parameters<typeof downloadModel>[0]> = {}) =>
  downloadModel({ repo: REPO, dtype: 'q4', cacheDir, endpoint: hub.url, retryBaseMs: 5, ...extra });
const code = (c: string) => (e: unknown) => e instanceof HubError && e.code === c;
const resolves = (path: string) =>
  hub.requests.filter((r) => r.path.includes(`/resolve/`) && r.path.endsWith(path));

describe('downloading one variant into the Hugging Face cache', () => {
  test('fetches the json files and the q4 variant only, in the cache layout, and the folder loads', async () => {
    const cacheDir = freshCache();
    const progress: DownloadProgress[] = [];
    const r = await get(cacheDir, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(
      r.files.filter((f) => f.endsWith('.onnx')),
      ['onnx/model_q4.onnx'],
    );
    assert.ok(r.files.includes('config.json') && r.files.includes('tokenizer.json'), r.files.join(', '));
    const commit = readFileSync(join(repoDir(cacheDir, REPO), 'refs', 'main'), 'utf8');
    assert.equal(r.path, join(repoDir(cacheDir, REPO), 'snapshots', commit));
    const link = join(r.path, 'onnx', 'model_q4.onnx');
    assert.ok(lstatSync(link).isSymbolicLink(), 'a link into blobs/');
    assert.equal(readlinkSync(link), join('..', '..', '..', 'blobs', sha256(q4.bytes)));
    assert.deepEqual(readFileSync(link), Buffer.from(q4.bytes));
    assert.equal(cachedSnapshot(cacheDir, REPO), r.path);
    assert.equal(loadModelFolder(r.path).dtype, 'q4');
    const last = progress.at(-1) as DownloadProgress;
    assert.equal(last.bytes, last.total);
    assert.equal(last.total, r.bytes);
    const falls = progress.findIndex(
      (p, i) => i > 0 && p.bytes < (progress[i - 1] as DownloadProgress).bytes,
    );
    assert.equal(
      falls,
      -1,
      `progress went back at ${falls}: ${JSON.stringify(progress.slice(falls - 1, falls + 1))}`,
    );
    // a second run finds everything verified in the cache and fetches nothing
    const before = hub.requests.length;
    await get(cacheDir);
    assert.equal(hub.requests.filter((q, i) => i >= before && q.path.includes('/resolve/')).length, 0);
    // glassbox models / Choose Model list it; deleting removes it
    const listed = await cachedModels(cacheDir);
    assert.deepEqual(
      listed.map((m) => [m.repo, m.dtypes]),
      [[REPO, ['q4']]],
    );
    assert.ok((listed[0]?.bytes ?? 0) >= r.bytes, `listed ${listed[0]?.bytes} bytes, downloaded ${r.bytes}`);
    deleteCachedRepo(cacheDir, REPO);
    assert.deepEqual(await cachedModels(cacheDir), []);
  });

  test('a connection dropped mid-file resumes with a Range request from the bytes already on disk', async () => {
    const cacheDir = freshCache();
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'drop', afterBytes: 100_000, times: 2 });
    const before = hub.requests.length;
    const r = await get(cacheDir);
    const ranges = hub.requests
      .slice(before)
      .filter((q) => q.path.startsWith('/cdn/') || q.path.includes('model_q4'));
    const resumed = ranges.map((q) => q.headers.range).filter((x): x is string => x !== undefined);
    // two dropped transfers, then the one that finishes; each retry asks for the rest from what reached the disk
    // (a reset socket may also lose the bytes in flight, so a retry can start from 0 or from where one stopped)
    const gets = ranges.filter((q) => q.method === 'GET' && q.path.startsWith('/cdn/'));
    assert.ok(gets.length >= 3, `${gets.length} transfers`);
    const starts = resumed.map((x) => Number(/^bytes=(\d+)-$/.exec(x)?.[1]));
    assert.ok(
      starts.every((x, i) => x > 0 && x <= 100_000 * (i + 1) && (i === 0 || x >= (starts[i - 1] as number))),
      `ranges: ${JSON.stringify(resumed)}`,
    );
    assert.deepEqual(readFileSync(join(r.path, 'onnx', 'model_q4.onnx')), Buffer.from(q4.bytes));
  });

  test('an interrupted download (cancelled) leaves a partial file that the next run continues', async () => {
    const cacheDir = freshCache();
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'slow', bytesPerSecond: 400_000 });
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      get(cacheDir, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.file === 'onnx/model_q4.onnx' && p.bytes - seen > 50_000 && seen > 0) controller.abort();
          if (p.file === 'onnx/model_q4.onnx' && seen === 0) seen = p.bytes;
        },
      }),
      code('cancelled'),
    );
    const blob = blobPath(cacheDir, REPO, sha256(q4.bytes));
    assert.ok(!existsSync(blob), 'no unverified file becomes visible');
    const partial = readFileSync(`${blob}.incomplete`).byteLength;
    assert.ok(partial > 0 && partial < q4.bytes.byteLength, `partial ${partial}`);
    assert.equal(cachedSnapshot(cacheDir, REPO), undefined, 'no ref before every file is there');
    hub.clearFaults();
    const before = hub.requests.length;
    const r = await get(cacheDir);
    assert.ok(hub.requests.slice(before).some((q) => q.headers.range === `bytes=${partial}-`));
    assert.deepEqual(readFileSync(join(r.path, 'onnx', 'model_q4.onnx')), Buffer.from(q4.bytes));
  });

  test('wrong bytes are never used: the partial is deleted and the error names the file and its hash', async () => {
    const cacheDir = freshCache();
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'corrupt' });
    await assert.rejects(get(cacheDir), (e: unknown) => {
      assert.ok(code('corrupt')(e), String(e));
      assert.match(
        (e as Error).message,
        /model_q4\.onnx from onnx-community\/tiny-llama does not match its SHA-256/,
      );
      return true;
    });
    const blob = blobPath(cacheDir, REPO, sha256(q4.bytes));
    assert.ok(!existsSync(blob) && !existsSync(`${blob}.incomplete`));
    assert.equal(cachedSnapshot(cacheDir, REPO), undefined);
    // the next attempt starts clean and succeeds
    const r = await get(cacheDir);
    assert.deepEqual(readFileSync(join(r.path, 'onnx', 'model_q4.onnx')), Buffer.from(q4.bytes));
  });

  test('a partial file that does not belong to the blob is caught by the hash, not trusted', async () => {
    const cacheDir = freshCache();
    const blob = blobPath(cacheDir, REPO, sha256(q4.bytes));
    mkdirSync(join(repoDir(cacheDir, REPO), 'blobs'), { recursive: true });
    writeFileSync(`${blob}.incomplete`, Buffer.alloc(1000, 7)); // a stray partial with other bytes
    await assert.rejects(get(cacheDir), code('corrupt'));
    await get(cacheDir); // after the bad partial was deleted
  });

  test('429 and 503 are retried with back-off (Retry-After honoured); 404 and 401 are not', async () => {
    const cacheDir = freshCache();
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'status', status: 429, retryAfter: 0 });
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'status', status: 503 });
    await get(cacheDir);
    assert.deepEqual(
      resolves('onnx/model_q4.onnx')
        .slice(-3)
        .map((q) => q.status),
      [429, 503, 302],
    );
    await assert.rejects(get(freshCache(), { repo: 'onnx-community/no-such-model' }), (e: unknown) => {
      assert.ok(code('needs-token')(e), String(e));
      assert.match((e as Error).message, /onnx-community\/no-such-model was not found, or is private/);
      return true;
    });
    // a file the Hub no longer has (404) is not retried: it names the file
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'status', status: 404 });
    const before404 = resolves('onnx/model_q4.onnx').length;
    await assert.rejects(get(freshCache()), (e: unknown) => {
      assert.ok(code('not-found')(e), String(e));
      assert.match((e as Error).message, /onnx-community\/tiny-llama: the Hub has no such file \(HTTP 404\)/);
      return true;
    });
    assert.equal(resolves('onnx/model_q4.onnx').length - before404, 1, 'asked once');
    hub.addFault({ path: '*', kind: 'status', status: 500, times: Infinity });
    await assert.rejects(get(freshCache(), { attempts: 2 }), code('network'));
    hub.clearFaults();
  });

  test('a gated repository without a token says where to ask for access; with its token it downloads', async () => {
    await assert.rejects(get(freshCache(), { repo: GATED }), (e: unknown) => {
      assert.ok(code('gated')(e), String(e));
      assert.match(
        (e as Error).message,
        new RegExp(
          `meta-test/gated-llama is gated: request access at ${hub.url}/meta-test/gated-llama, then set a token`,
        ),
      );
      return true;
    });
    const r = await get(freshCache(), { repo: GATED, token: TOKEN });
    assert.ok(existsSync(join(r.path, 'onnx', 'model_q4.onnx')));
  });

  test('a variant the repository lacks, or a repository without ONNX files, is refused before any download', async () => {
    await assert.rejects(get(freshCache(), { dtype: 'q2' }), (e: unknown) => {
      assert.ok(code('no-variant')(e));
      assert.match(
        (e as Error).message,
        /has no q2 ONNX file \(it has fp32, fp16, q8, int8, uint8, q4, q4f16\)/,
      );
      return true;
    });
    await assert.rejects(get(freshCache(), { repo: 'bad id' }), code('bad-repo'));
  });

  test('two downloads of the same model at once (two windows) both succeed and the file is whole', async () => {
    const cacheDir = freshCache();
    hub.addFault({ path: 'onnx/model_q4.onnx', kind: 'slow', bytesPerSecond: 2_000_000 });
    const [a, b] = await Promise.all([get(cacheDir), get(cacheDir)]);
    assert.equal(a.path, b.path);
    assert.deepEqual(readFileSync(join(a.path, 'onnx', 'model_q4.onnx')), Buffer.from(q4.bytes));
    assert.deepEqual(
      readdirSync(join(repoDir(cacheDir, REPO), 'blobs')).filter((f) => f.endsWith('.incomplete')),
      [],
    );
    hub.clearFaults();
  });

  test('not enough disk space is refused before downloading', async () => {
    // a cache on a tiny tmpfs is not available here; the check reads statfs, so ask for more than any disk has
    const big = repoFromFolder('onnx-community/huge', join(fixturesDir, 'hub', 'llama'));
    hub.addRepo(big);
    const cacheDir = freshCache();
    const fakeFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input);
      if (!url.includes('/tree/')) return res;
      const entries = (await res.json()) as { path: string; size: number; lfs?: { size: number } }[];
      const swollen = entries.map((e) =>
        e.path === 'onnx/model_q4.onnx' && e.lfs
          ? { ...e, size: 2 ** 52, lfs: { ...e.lfs, size: 2 ** 52 } }
          : e,
      );
      return new Response(JSON.stringify(swollen), { status: 200, headers: res.headers });
    };
    await assert.rejects(get(cacheDir, { repo: 'onnx-community/huge', fetch: fakeFetch }), (e: unknown) => {
      assert.ok(code('no-space')(e), String(e));
      assert.match((e as Error).message, /needs .* more but .* has .* free/);
      return true;
    });
  });
});
