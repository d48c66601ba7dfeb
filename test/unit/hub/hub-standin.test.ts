// The Hub stand-in answers @huggingface/hub and plain fetch as huggingface.co does: shapes, LFS redirects, ranges, auth, faults.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  downloadFile,
  downloadFileToCacheDir,
  fileDownloadInfo,
  listFiles,
  modelInfo,
  pathsInfo,
} from '@huggingface/hub';
import type { ListFileEntry } from '@huggingface/hub';
import { repoFromFolder, startHubStandin } from '../../support/hub-standin';
import type { HubStandin, StandinRepo } from '../../support/hub-standin';

const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'models', 'fixtures', 'hub', 'llama');
const ID = 'onnx-community/tiny-llama';
const T = { timeout: 15_000 };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const gitOid = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const isLfs = (path: string, size: number) => size > 1024 || /\.onnx(_data.*)?$/.test(path);

const gatedRepo: StandinRepo = {
  id: 'meta-llama/gated',
  gated: 'manual',
  token: 'hf_gated_token',
  files: [{ path: 'config.json', bytes: Buffer.from('{"model_type":"llama"}') }],
};
const privateRepo: StandinRepo = {
  id: 'someone/private',
  private: true,
  token: 'hf_private_token',
  files: [{ path: 'config.json', bytes: Buffer.from('{"model_type":"llama"}') }],
};

describe('hub stand-in', () => {
  const fixture = repoFromFolder(ID, FIXTURE);
  const bytesOf = (path: string) => {
    const f = fixture.files.find((x) => x.path === path);
    assert.ok(f, path);
    return f.bytes;
  };
  let hub: HubStandin;
  let sha: string;

  before(async () => {
    hub = await startHubStandin([fixture, gatedRepo, privateRepo]);
    const info = await fetch(`${hub.url}/api/models/${ID}`).then((r) => r.json() as Promise<{ sha: string }>);
    sha = info.sha;
  });
  after(() => hub.close());

  test('repoFromFolder reads every file of the fixture, onnx/ included, with / paths', T, () => {
    const paths = fixture.files.map((f) => f.path);
    assert.ok(paths.includes('config.json') && paths.includes('onnx/model_q4.onnx'), paths.join(' '));
    for (const f of fixture.files)
      assert.deepEqual(f.bytes, new Uint8Array(readFileSync(join(FIXTURE, f.path))));
  });

  test('modelInfo: the Hub fields, expand[] as @huggingface/hub asks for them', T, async () => {
    const info = await modelInfo({
      name: ID,
      hubUrl: hub.url,
      additionalFields: ['sha', 'config', 'library_name', 'tags', 'filePaths', 'createdAt'],
    });
    assert.equal(info.name, ID);
    assert.match(info.id, /^[0-9a-f]{24}$/);
    assert.equal(info.private, false);
    assert.equal(info.gated, false);
    assert.equal(info.task, 'text-generation');
    assert.equal(info.sha, sha);
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.ok(!Number.isNaN(info.updatedAt.getTime()));
    assert.equal(info.library_name, 'transformers.js');
    assert.ok(info.tags.includes('onnx') && info.tags.includes('llama'), info.tags.join());
    assert.deepEqual([...info.filePaths].sort(), fixture.files.map((f) => f.path).sort());
    const config = info.config as { architectures: string[]; model_type: string; tokenizer_config?: object };
    assert.deepEqual(config.architectures, ['LlamaForCausalLM']);
    assert.equal(config.model_type, 'llama');
    assert.ok(config.tokenizer_config, 'config.tokenizer_config, as the Hub gives it');
    const asked = hub.requests.findLast((r) => r.path.startsWith(`/api/models/${ID}/revision/`));
    assert.ok(asked?.path.startsWith(`/api/models/${ID}/revision/HEAD?expand=pipeline_tag&`), asked?.path);

    // Without expand: the whole document; with expand: only _id, id and the fields asked for (as the Hub does).
    const full = (await (await fetch(`${hub.url}/api/models/${ID}/revision/main`)).json()) as Record<
      string,
      unknown
    >;
    for (const key of ['_id', 'id', 'modelId', 'sha', 'private', 'gated', 'disabled', 'downloads', 'likes']) {
      assert.ok(key in full, key);
    }
    for (const key of [
      'library_name',
      'tags',
      'pipeline_tag',
      'siblings',
      'lastModified',
      'createdAt',
      'usedStorage',
    ]) {
      assert.ok(key in full, key);
    }
    assert.equal(
      full.usedStorage,
      fixture.files.reduce((s, f) => s + f.bytes.length, 0),
    );
    const only = (await (
      await fetch(`${hub.url}/api/models/${ID}?expand[]=sha&expand[]=gated`)
    ).json()) as object;
    assert.deepEqual(Object.keys(only).sort(), ['_id', 'gated', 'id', 'sha']);
    const bad = await fetch(`${hub.url}/api/models/${ID}?expand=nonsense`);
    assert.equal(bad.status, 400);
    // ?blobs=true (huggingface_hub's files_metadata): siblings with blobId, size, lfs.
    const blobs = (await (await fetch(`${hub.url}/api/models/${ID}?blobs=true`)).json()) as {
      siblings: { rfilename: string; blobId: string; size: number; lfs?: { sha256: string } }[];
    };
    const q4 = blobs.siblings.find((s) => s.rfilename === 'onnx/model_q4.onnx');
    assert.equal(q4?.lfs?.sha256, sha256(bytesOf('onnx/model_q4.onnx')));
    assert.equal(q4?.size, bytesOf('onnx/model_q4.onnx').length);
  });

  function checkEntries(
    entries: {
      type: string;
      path: string;
      size: number;
      oid?: string;
      lfs?: { oid: string; size: number; pointerSize: number };
    }[],
  ) {
    const files = entries.filter((e) => e.type === 'file');
    assert.deepEqual(files.map((e) => e.path).sort(), fixture.files.map((f) => f.path).sort());
    for (const e of files) {
      const bytes = bytesOf(e.path);
      assert.equal(e.size, bytes.length, e.path);
      if (isLfs(e.path, bytes.length)) {
        assert.equal(e.lfs?.oid, sha256(bytes), e.path);
        assert.equal(e.lfs?.size, bytes.length, e.path);
        const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`;
        assert.equal(e.lfs?.pointerSize, pointer.length, e.path);
        assert.equal(
          e.oid,
          gitOid(Buffer.from(pointer)),
          `${e.path}: the oid of an LFS file is its pointer's`,
        );
      } else {
        assert.equal(e.lfs, undefined, e.path);
        assert.equal(e.oid, gitOid(bytes), e.path);
      }
    }
  }

  test(
    'listFiles({recursive: true}): every file with its size, git oid and LFS sha256; the onnx/ directory',
    T,
    async () => {
      const entries: ListFileEntry[] = [];
      for await (const e of listFiles({ repo: ID, recursive: true, hubUrl: hub.url })) entries.push(e);
      checkEntries(entries);
      const dir = entries.find((e) => e.type === 'directory');
      assert.equal(dir?.path, 'onnx');
      assert.match(dir?.oid ?? '', /^[0-9a-f]{40}$/);
      // Not recursive: the top level only; a folder path lists that folder.
      const top: ListFileEntry[] = [];
      for await (const e of listFiles({ repo: ID, hubUrl: hub.url })) top.push(e);
      assert.ok(top.every((e) => !e.path.includes('/')) && top.some((e) => e.path === 'onnx'));
      const onnx: ListFileEntry[] = [];
      for await (const e of listFiles({ repo: ID, path: 'onnx', revision: sha, hubUrl: hub.url }))
        onnx.push(e);
      assert.ok(onnx.length === 7 && onnx.every((e) => e.path.startsWith('onnx/')));
    },
  );

  test('listFiles follows Link: rel="next" pages (pageSize 3)', T, async () => {
    const paged = await startHubStandin([fixture], { pageSize: 3 });
    try {
      const entries: ListFileEntry[] = [];
      for await (const e of listFiles({ repo: ID, recursive: true, hubUrl: paged.url })) entries.push(e);
      checkEntries(entries);
      const trees = paged.requests.filter((r) => r.path.includes('/tree/'));
      assert.equal(trees.length, Math.ceil(entries.length / 3));
      assert.ok(trees.slice(1).every((r) => r.path.includes('cursor=')));
    } finally {
      await paged.close();
    }
  });

  test('pathsInfo: the entries asked for (missing paths left out), lastCommit with expand', T, async () => {
    const infos = await pathsInfo({
      repo: { type: 'model', name: ID },
      paths: ['config.json', 'onnx/model_q4.onnx', 'onnx', 'no/such/file'],
      expand: true,
      hubUrl: hub.url,
    });
    assert.deepEqual(
      infos.map((i) => [i.path, i.type]),
      [
        ['config.json', 'file'],
        ['onnx/model_q4.onnx', 'file'],
        ['onnx', 'directory'],
      ],
    );
    const q4 = bytesOf('onnx/model_q4.onnx');
    assert.equal(infos[1]?.size, q4.length);
    assert.equal(infos[1]?.lfs?.size, q4.length);
    assert.equal(infos[1]?.lfs?.oid, sha256(bytesOf('onnx/model_q4.onnx')));
    assert.equal(infos[0]?.oid, gitOid(bytesOf('config.json')));
    assert.equal(infos[0]?.lastCommit?.id, sha);
    // huggingface_hub posts a form, not JSON.
    const form = await fetch(`${hub.url}/api/models/${ID}/paths-info/main`, {
      method: 'POST',
      body: new URLSearchParams([
        ['paths', 'config.json'],
        ['paths', 'tokenizer.json'],
      ]),
    });
    assert.deepEqual(
      ((await form.json()) as { path: string }[]).map((e) => e.path),
      ['config.json', 'tokenizer.json'],
    );
  });

  test(
    'resolve of an LFS file: 302 with the Hub headers to the CDN path, which serves the bytes',
    T,
    async () => {
      const path = 'onnx/model_q4.onnx';
      const bytes = bytesOf(path);
      const url = `${hub.url}/${ID}/resolve/main/${path}`;
      const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
      assert.equal(head.status, 302);
      assert.equal(head.headers.get('x-repo-commit'), sha);
      assert.equal(head.headers.get('x-linked-etag'), `"${sha256(bytes)}"`);
      assert.equal(head.headers.get('x-linked-size'), String(bytes.length));
      assert.equal(head.headers.get('etag'), `"${sha256(bytes)}"`);
      assert.ok(head.headers.get('location')?.startsWith(`${hub.url}/cdn/${sha256(bytes)}?`));

      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.ok(res.redirected);
      assert.equal(res.headers.get('content-length'), String(bytes.length));
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      const got = new Uint8Array(await res.arrayBuffer());
      assert.equal(`"${sha256(got)}"`, head.headers.get('x-linked-etag'));
      assert.equal(res.headers.get('etag'), `"${sha256(bytes)}"`);
    },
  );

  test(
    'resolve of a small file: 200 with X-Repo-Commit, the git sha1 as ETag, Content-Length',
    T,
    async () => {
      const bytes = bytesOf('config.json');
      const res = await fetch(`${hub.url}/${ID}/resolve/${sha}/config.json`, { redirect: 'manual' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-repo-commit'), sha);
      assert.equal(res.headers.get('etag'), `"${gitOid(bytes)}"`);
      assert.equal(res.headers.get('content-length'), String(bytes.length));
      assert.equal(res.headers.get('x-linked-etag'), null);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
      // raw/ gives the LFS pointer, not the bytes.
      const raw = await fetch(`${hub.url}/${ID}/raw/main/onnx/model_q4.onnx`);
      assert.match(
        await raw.text(),
        /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:[0-9a-f]{64}\nsize \d+\n$/,
      );
    },
  );

  test('Range: bytes=a- and a-b give 206 with Content-Range; past the end gives 416', T, async () => {
    const path = 'onnx/model_q4.onnx';
    const bytes = bytesOf(path);
    const url = `${hub.url}/${ID}/resolve/main/${path}`;
    const tail = await fetch(url, { headers: { Range: 'bytes=1000-' } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get('content-range'), `bytes 1000-${bytes.length - 1}/${bytes.length}`);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.subarray(1000));
    const mid = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    assert.equal(mid.status, 206);
    assert.deepEqual(new Uint8Array(await mid.arrayBuffer()), bytes.subarray(10, 20));
    const small = await fetch(`${hub.url}/${ID}/resolve/main/config.json`, {
      headers: { Range: 'bytes=0-0' },
    });
    assert.equal(small.status, 206);
    assert.equal(small.headers.get('content-range'), `bytes 0-0/${bytesOf('config.json').length}`);
    await small.arrayBuffer();
    const past = await fetch(url, { headers: { Range: `bytes=${bytes.length}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${bytes.length}`);
    await past.arrayBuffer();
  });

  test('fileDownloadInfo, downloadFile and downloadFileToCacheDir get the right bytes', T, async () => {
    const path = 'onnx/model_q4.onnx';
    const bytes = bytesOf(path);
    const info = await fileDownloadInfo({ repo: ID, path, hubUrl: hub.url });
    assert.equal(info?.size, bytes.length);
    assert.equal(info?.etag, `"${sha256(bytes)}"`);
    const blob = await downloadFile({ repo: ID, path, hubUrl: hub.url });
    assert.ok(blob);
    assert.equal(sha256(new Uint8Array(await blob.arrayBuffer())), sha256(bytes));
    assert.equal(await fileDownloadInfo({ repo: ID, path: 'missing.bin', hubUrl: hub.url }), null);

    const cacheDir = mkdtempSync(join(tmpdir(), 'hub-standin-'));
    const debug = console.debug;
    console.debug = () => {};
    try {
      for (const p of ['config.json', path]) {
        const file = await downloadFileToCacheDir({ repo: ID, path: p, hubUrl: hub.url, cacheDir });
        assert.ok(file.includes(`snapshots/${sha}/`), file);
        assert.equal(sha256(readFileSync(file)), sha256(bytesOf(p)));
      }
    } finally {
      console.debug = debug;
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test(
    'unknown repo 401 RepoNotFound, unknown file 404 EntryNotFound, unknown revision 404 RevisionNotFound',
    T,
    async () => {
      const repo = await fetch(`${hub.url}/api/models/nobody/nothing`);
      assert.equal(repo.status, 401);
      assert.equal(repo.headers.get('x-error-code'), 'RepoNotFound');
      assert.ok(((await repo.json()) as { error: string }).error);
      await assert.rejects(modelInfo({ name: 'nobody/nothing', hubUrl: hub.url }), { statusCode: 401 });
      const resolveRepo = await fetch(`${hub.url}/nobody/nothing/resolve/main/config.json`);
      assert.equal(resolveRepo.status, 401);
      assert.equal(resolveRepo.headers.get('x-error-code'), 'RepoNotFound');
      await resolveRepo.arrayBuffer();
      const file = await fetch(`${hub.url}/${ID}/resolve/main/nope.json`);
      assert.equal(file.status, 404);
      assert.equal(file.headers.get('x-error-code'), 'EntryNotFound');
      assert.equal(file.headers.get('x-repo-commit'), sha);
      await file.arrayBuffer();
      const rev = await fetch(`${hub.url}/${ID}/resolve/v9/config.json`);
      assert.equal(rev.status, 404);
      assert.equal(rev.headers.get('x-error-code'), 'RevisionNotFound');
      await rev.arrayBuffer();
      await assert.rejects(modelInfo({ name: ID, revision: 'f'.repeat(40), hubUrl: hub.url }), {
        statusCode: 404,
      });
    },
  );

  test(
    'gated repo: info open, files 401 GatedRepo without a token, 403 with another, bytes with its token',
    T,
    async () => {
      const info = await modelInfo({ name: gatedRepo.id, hubUrl: hub.url });
      assert.equal(info.gated, 'manual');
      const url = `${hub.url}/${gatedRepo.id}/resolve/main/config.json`;
      const anon = await fetch(url);
      assert.equal(anon.status, 401);
      assert.equal(anon.headers.get('x-error-code'), 'GatedRepo');
      assert.match(((await anon.json()) as { error: string }).error, /meta-llama\/gated/);
      const other = await fetch(url, { headers: { Authorization: 'Bearer hf_private_token' } });
      assert.equal(other.status, 403);
      assert.equal(other.headers.get('x-error-code'), 'GatedRepo');
      assert.match(other.headers.get('x-error-message') ?? '', /meta-llama\/gated/);
      await other.arrayBuffer();
      const ok = await fetch(url, { headers: { Authorization: 'Bearer hf_gated_token' } });
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), '{"model_type":"llama"}');
      await assert.rejects(downloadFile({ repo: gatedRepo.id, path: 'config.json', hubUrl: hub.url }), {
        statusCode: 401,
      });
      const blob = await downloadFile({
        repo: gatedRepo.id,
        path: 'config.json',
        hubUrl: hub.url,
        accessToken: 'hf_gated_token',
      });
      assert.equal(await blob?.text(), '{"model_type":"llama"}');
    },
  );

  test(
    'private repo: 401 RepoNotFound without its token (API and files); an unknown token is refused',
    T,
    async () => {
      await assert.rejects(modelInfo({ name: privateRepo.id, hubUrl: hub.url }), { statusCode: 401 });
      const info = await modelInfo({
        name: privateRepo.id,
        hubUrl: hub.url,
        accessToken: 'hf_private_token',
      });
      assert.equal(info.private, true);
      const anon = await fetch(`${hub.url}/${privateRepo.id}/resolve/main/config.json`);
      assert.equal(anon.status, 401);
      assert.equal(anon.headers.get('x-error-code'), 'RepoNotFound');
      await anon.arrayBuffer();
      const bad = await fetch(`${hub.url}/api/models/${ID}`, {
        headers: { Authorization: 'Bearer hf_made_up' },
      });
      assert.equal(bad.status, 401);
      assert.equal(bad.headers.get('x-error-message'), 'Invalid credentials in Authorization header');
      await bad.arrayBuffer();
    },
  );

  test('fault drop: the body read fails after some bytes; the next request is whole', T, async () => {
    const path = 'onnx/model_q4.onnx';
    const url = `${hub.url}/${ID}/resolve/main/${path}`;
    hub.addFault({ path, kind: 'drop', afterBytes: 5000 });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    await assert.rejects(res.arrayBuffer());
    const again = await fetch(url);
    assert.equal(sha256(new Uint8Array(await again.arrayBuffer())), sha256(bytesOf(path)));
  });

  test('fault drop (times: Infinity): a client resuming with Range gets the whole file', T, async () => {
    const path = 'onnx/model_q4.onnx';
    const bytes = bytesOf(path);
    hub.addFault({ path, kind: 'drop', afterBytes: 300_000, times: Infinity });
    const parts: Uint8Array[] = [];
    let have = 0;
    let attempts = 0;
    try {
      while (have < bytes.length && attempts++ < 10) {
        const res = await fetch(`${hub.url}/${ID}/resolve/main/${path}`, {
          headers: have ? { Range: `bytes=${have}-` } : {},
        });
        assert.equal(res.status, have ? 206 : 200);
        const reader = res.body?.getReader();
        assert.ok(reader);
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            parts.push(value);
            have += value.length;
          }
        } catch {
          // dropped: resume from what arrived
        }
      }
    } finally {
      hub.clearFaults();
    }
    assert.equal(attempts, Math.ceil(bytes.length / 300_000));
    assert.equal(sha256(Buffer.concat(parts)), sha256(bytes));
  });

  test('fault corrupt: same length, sha256 differs from X-Linked-Etag', T, async () => {
    const path = 'onnx/model_q4.onnx';
    hub.addFault({ path, kind: 'corrupt' });
    const res = await fetch(`${hub.url}/${ID}/resolve/main/${path}`);
    const got = new Uint8Array(await res.arrayBuffer());
    assert.equal(got.length, bytesOf(path).length);
    assert.notEqual(sha256(got), sha256(bytesOf(path)));
    // The probe @huggingface/hub sends first (Range: bytes=0-0) does not use the fault up.
    hub.addFault({ path: 'config.json', kind: 'corrupt' });
    const probe = await fetch(`${hub.url}/${ID}/resolve/main/config.json`, {
      headers: { Range: 'bytes=0-0' },
    });
    assert.deepEqual(new Uint8Array(await probe.arrayBuffer()), bytesOf('config.json').subarray(0, 1));
    const body = new Uint8Array(
      await (await fetch(`${hub.url}/${ID}/resolve/main/config.json`)).arrayBuffer(),
    );
    assert.notEqual(sha256(body), sha256(bytesOf('config.json')));
  });

  test(
    'fault status: 401, 403, 404, 429 (Retry-After), 500, 503 on files; "*" reaches the API',
    T,
    async () => {
      const url = `${hub.url}/${ID}/resolve/main/config.json`;
      const codes: Record<number, string | null> = {
        401: 'RepoNotFound',
        403: 'GatedRepo',
        404: 'EntryNotFound',
        429: null,
        500: null,
        503: null,
      };
      for (const [status, code] of Object.entries(codes)) {
        hub.addFault({ path: 'config.json', kind: 'status', status: Number(status) });
        const res = await fetch(url);
        assert.equal(res.status, Number(status));
        assert.equal(res.headers.get('x-error-code'), code, status);
        if (status === '429') {
          assert.equal(res.headers.get('retry-after'), '1');
          assert.match(res.headers.get('ratelimit') ?? '', /"resolvers";r=0;t=1/);
        }
        assert.ok(((await res.json()) as { error: string }).error);
      }
      assert.equal((await fetch(url)).status, 200, 'times defaults to 1');

      hub.addFault({ path: '*', kind: 'status', status: 503, times: 2 });
      await assert.rejects(modelInfo({ name: ID, hubUrl: hub.url }), { statusCode: 503 });
      assert.equal((await fetch(`${hub.url}/api/models/${ID}/tree/main`)).status, 503);
      assert.equal((await fetch(`${hub.url}/api/models/${ID}/tree/main`)).status, 200);
      // A fault for another repo leaves this one alone.
      hub.addFault({ path: '*', repo: 'other/repo', kind: 'status', status: 500 });
      assert.equal((await fetch(url)).status, 200);
      hub.clearFaults();
    },
  );

  test('fault slow: a 1320-byte file at 2640 B/s takes at least half a second', T, async () => {
    const path = 'tokenizer_config.json';
    hub.addFault({ path, kind: 'slow', bytesPerSecond: 2640 });
    const t0 = performance.now();
    const res = await fetch(`${hub.url}/${ID}/resolve/main/${path}`);
    const got = new Uint8Array(await res.arrayBuffer());
    const ms = performance.now() - t0;
    assert.equal(sha256(got), sha256(bytesOf(path)));
    assert.ok(ms >= 480, `${ms.toFixed(0)} ms`);
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  });

  test('the request log: method, path, headers, status', T, async () => {
    const n = hub.requests.length;
    await (
      await fetch(`${hub.url}/${ID}/resolve/main/config.json`, { headers: { 'X-Test': 'yes' } })
    ).arrayBuffer();
    const r = hub.requests[n];
    assert.equal(r?.method, 'GET');
    assert.equal(r?.path, `/${ID}/resolve/main/config.json`);
    assert.equal(r?.headers['x-test'], 'yes');
    assert.equal(r?.status, 200);
  });
});

test(
  'resolveCache: a small file answers a relative 307 to /api/resolve-cache/..., as huggingface.co does',
  T,
  async () => {
    const bytes = Buffer.from('{"model_type":"llama"}');
    const hub = await startHubStandin([{ id: 'a/b', files: [{ path: 'config.json', bytes }] }], {
      resolveCache: true,
    });
    try {
      const url = `${hub.url}/a/b/resolve/main/config.json`;
      const first = await fetch(url, { method: 'HEAD', redirect: 'manual' });
      assert.equal(first.status, 307);
      assert.match(
        first.headers.get('location') ?? '',
        /^\/api\/resolve-cache\/models\/a\/b\/[0-9a-f]{40}\/config\.json\?/,
      );
      assert.equal(first.headers.get('x-repo-commit'), null, 'the headers come with the second answer');
      const res = await fetch(url);
      assert.ok(res.redirected);
      assert.match(res.headers.get('x-repo-commit') ?? '', /^[0-9a-f]{40}$/);
      assert.equal(res.headers.get('etag'), `"${gitOid(bytes)}"`);
      assert.equal(await res.text(), bytes.toString());
      const info = await fileDownloadInfo({ repo: 'a/b', path: 'config.json', hubUrl: hub.url });
      assert.equal(info?.size, bytes.length);
    } finally {
      await hub.close();
    }
  },
);

test('addRepo moves main to new contents; the old commit stays addressable by its sha', T, async () => {
  const hub = await startHubStandin([{ id: 'a/b', files: [{ path: 'x.txt', bytes: Buffer.from('one') }] }]);
  try {
    const old = (await modelInfo({ name: 'a/b', hubUrl: hub.url, additionalFields: ['sha'] })).sha;
    hub.addRepo({ id: 'a/b', files: [{ path: 'x.txt', bytes: Buffer.from('two') }] });
    const now = (await modelInfo({ name: 'a/b', hubUrl: hub.url, additionalFields: ['sha'] })).sha;
    assert.notEqual(old, now);
    assert.equal(await (await fetch(`${hub.url}/a/b/resolve/main/x.txt`)).text(), 'two');
    assert.equal(await (await fetch(`${hub.url}/a/b/resolve/${old}/x.txt`)).text(), 'one');
    const fixed = await startHubStandin([{ id: 'c/d', commit: 'a'.repeat(40), files: [] }]);
    assert.equal(
      (await modelInfo({ name: 'c/d', hubUrl: fixed.url, additionalFields: ['sha'] })).sha,
      'a'.repeat(40),
    );
    await fixed.close();
  } finally {
    await hub.close();
  }
});

test('close() ends keep-alive and in-flight connections at once', { timeout: 10_000 }, async () => {
  const hub = await startHubStandin([
    { id: 'a/b', files: [{ path: 'big.bin', bytes: new Uint8Array(4000) }] },
  ]);
  await (await fetch(`${hub.url}/api/models/a/b`)).arrayBuffer(); // leaves a keep-alive socket
  hub.addFault({ path: 'big.bin', kind: 'slow', bytesPerSecond: 100 });
  const res = await fetch(`${hub.url}/a/b/resolve/main/big.bin`);
  const body = res.arrayBuffer();
  const t0 = performance.now();
  await hub.close();
  assert.ok(performance.now() - t0 < 1000);
  await assert.rejects(body);
});
