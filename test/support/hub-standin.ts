// Test support: a local stand-in for the Hugging Face Hub HTTP API (model info, tree, paths-info, resolve, LFS CDN) on 127.0.0.1, with fault injection.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { listenOnLoopback } from './loopback-server';

export interface StandinFile {
  path: string;
  bytes: Uint8Array;
}

export interface StandinRepo {
  /** `org/name` */
  id: string;
  /** 40-hex commit sha; default: the git commit sha of the contents (a real tree hash, fixed author and date). */
  commit?: string;
  files: StandinFile[];
  gated?: 'auto' | 'manual';
  private?: boolean;
  /**
   * The `hf_...` token that opens a gated or private repo. A bearer token that is no repo's token is refused
   * everywhere with 401 'Invalid credentials in Authorization header', as the Hub refuses invalid tokens.
   */
  token?: string;
}

export interface Fault {
  /** A repo file path, or '*' for every file (and, for 'status', every API call too). */
  path: string;
  /** Only this repo (`org/name`); default: any. */
  repo?: string;
  /**
   * drop: send `afterBytes` bytes of the body (default half), then close the socket.
   * corrupt: flip one byte of the body (at `afterBytes`, default the middle); length and ETag unchanged.
   * status: answer `status` the way the Hub does (429 with Retry-After and RateLimit headers).
   * slow: send the body at `bytesPerSecond`.
   * drop, corrupt and slow skip HEAD and one-byte bodies (the `Range: bytes=0-0` probe @huggingface/hub sends first).
   */
  kind: 'drop' | 'corrupt' | 'status' | 'slow';
  afterBytes?: number;
  status?: number;
  bytesPerSecond?: number;
  /** Seconds in the Retry-After of a 429; default 1. */
  retryAfter?: number;
  /** How many requests it applies to; default 1; Infinity allowed. */
  times?: number;
}

export interface StandinRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** The status answered (0 until the answer's head is written). */
  status: number;
}

export interface HubStandin {
  /** `http://127.0.0.1:PORT`, to give as `hubUrl` / `HF_ENDPOINT`. */
  url: string;
  requests: StandinRequest[];
  addFault(f: Fault): void;
  clearFaults(): void;
  /** Adds a repo, or moves an existing one's `main` to the new contents (the old commit stays addressable by sha). */
  addRepo(r: StandinRepo): void;
  close(): Promise<void>;
}

export interface StandinOptions {
  /** Files larger than this many bytes are LFS (besides every .onnx / .onnx_data*); default 1024. */
  lfsThreshold?: number;
  /** Tree entries per page before a `Link: <...>; rel="next"`; default 1000. */
  pageSize?: number;
  /**
   * Answer `resolve` of a non-LFS file with a relative 307 to `/api/resolve-cache/...` as huggingface.co has done
   * since mid-2025 (the headers then come with the second answer); default false: answered directly.
   */
  resolveCache?: boolean;
}

/** Every file under `dir` (recursively) as a repo, paths relative to `dir` with `/`. */
export function repoFromFolder(id: string, dir: string): StandinRepo {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => {
      const full = join(d.parentPath, d.name);
      return { path: relative(dir, full).split(sep).join('/'), bytes: new Uint8Array(readFileSync(full)) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { id, files };
}

// ---------------------------------------------------------------------------------------------------------------
// Repos as git would store them: blob oids (LFS files as their pointer), tree oids, a commit.

interface FileEntry {
  path: string;
  bytes: Uint8Array;
  /** git blob sha1 of what git stores: the bytes, or the LFS pointer. */
  oid: string;
  sha256: string;
  /** The LFS pointer text, for LFS files. */
  pointer?: Buffer;
}

interface Snapshot {
  commit: string;
  files: Map<string, FileEntry>;
  /** Directory path ('' = root) -> git tree oid. */
  dirs: Map<string, string>;
}

interface RepoState {
  id: string;
  gated: false | 'auto' | 'manual';
  private: boolean;
  token: string | undefined;
  head: string;
  snapshots: Map<string, Snapshot>;
  objectId: string;
}

const COMMIT_DATE = '2025-01-01T00:00:00.000Z';
const COMMIT_TITLE = 'Upload folder using huggingface_hub';

function sha1(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function gitObject(type: string, body: Uint8Array): string {
  return sha1(`${type} ${body.length}\0`, body);
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function isLfs(path: string, size: number, threshold: number): boolean {
  return size > threshold || /\.onnx(_data.*)?$/.test(path);
}

function snapshotOf(repo: StandinRepo, threshold: number): Snapshot {
  const files = new Map<string, FileEntry>();
  for (const f of repo.files) {
    if (
      !f.path ||
      f.path.startsWith('/') ||
      f.path.split('/').some((s) => s === '' || s === '.' || s === '..')
    ) {
      throw new Error(`hub stand-in: bad file path ${JSON.stringify(f.path)} in ${repo.id}`);
    }
    const sha256 = createHash('sha256').update(f.bytes).digest('hex');
    const pointer = isLfs(f.path, f.bytes.length, threshold)
      ? Buffer.from(
          `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${f.bytes.length}\n`,
        )
      : undefined;
    files.set(f.path, {
      path: f.path,
      bytes: f.bytes,
      sha256,
      pointer,
      oid: gitObject('blob', pointer ?? f.bytes),
    });
  }
  // Git trees, deepest first: entries sorted as git does (a directory sorts as `name/`).
  const children = new Map<string, { name: string; dir: boolean; oid?: string }[]>([['', []]]);
  for (const path of files.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!children.has(dir)) {
        children.set(dir, []);
        children.get(parts.slice(0, i - 1).join('/'))?.push({ name: parts[i - 1] ?? '', dir: true });
      }
    }
    children
      .get(parts.slice(0, -1).join('/'))
      ?.push({ name: parts.at(-1) ?? '', dir: false, oid: files.get(path)?.oid });
  }
  const dirs = new Map<string, string>();
  const depth = (d: string) => (d === '' ? 0 : d.split('/').length);
  for (const dir of [...children.keys()].sort((a, b) => depth(b) - depth(a))) {
    const entries = (children.get(dir) ?? []).map((e) => ({
      ...e,
      key: e.dir ? `${e.name}/` : e.name,
      oid: e.dir ? dirs.get(dir ? `${dir}/${e.name}` : e.name) : e.oid,
    }));
    entries.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    const body = Buffer.concat(
      entries.flatMap((e) => [
        Buffer.from(`${e.dir ? '40000' : '100644'} ${e.name}\0`),
        Buffer.from(e.oid ?? '', 'hex'),
      ]),
    );
    dirs.set(dir, gitObject('tree', body));
  }
  let commit = repo.commit;
  if (commit === undefined) {
    const who = `Glassbox <glassbox@localhost> ${Date.parse(COMMIT_DATE) / 1000} +0000`;
    commit = gitObject(
      'commit',
      Buffer.from(`tree ${dirs.get('')}\nauthor ${who}\ncommitter ${who}\n\n${COMMIT_TITLE}\n`),
    );
  } else if (!/^[0-9a-f]{40}$/.test(commit)) {
    throw new Error(`hub stand-in: commit of ${repo.id} must be 40 lower-case hex digits`);
  }
  return { commit, files, dirs };
}

// ---------------------------------------------------------------------------------------------------------------
// The server.

interface Reply {
  status: number;
  headers?: OutgoingHttpHeaders;
  body?: Uint8Array | string;
}

interface ActiveFault {
  fault: Fault;
  left: number;
}

/** The fields `expand[]` may name (huggingface_hub's ExpandModelProperty_T); others are a 400 as on the Hub. */
const EXPANDABLE = new Set(
  (
    'author baseModels cardData childrenModelCount config createdAt disabled downloads downloadsAllTime gated gguf ' +
    'gitalyUid inference inferenceProviderMapping lastModified library_name likes mask_token model-index ' +
    'pipeline_tag private resourceGroup safetensors sha siblings spaces tags transformersInfo trendingScore ' +
    'widgetData usedStorage xetEnabled'
  ).split(' '),
);

const TOKENIZER_CONFIG_KEYS = ['bos_token', 'chat_template', 'eos_token', 'pad_token', 'unk_token'];

export async function startHubStandin(
  repos: StandinRepo[],
  options: StandinOptions = {},
): Promise<HubStandin> {
  const threshold = options.lfsThreshold ?? 1024;
  const pageSize = Math.max(1, options.pageSize ?? 1000);
  const state = new Map<string, RepoState>();
  const faults: ActiveFault[] = [];
  const requests: StandinRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let requestCount = 0;
  let base = '';

  function addRepo(r: StandinRepo): void {
    if (!/^[^/\s]+\/[^/\s]+$/.test(r.id))
      throw new Error(`hub stand-in: repo id must be org/name, not ${r.id}`);
    const snap = snapshotOf(r, threshold);
    const old = state.get(r.id);
    state.set(r.id, {
      id: r.id,
      gated: r.gated ?? false,
      private: r.private ?? false,
      token: r.token,
      head: snap.commit,
      snapshots: new Map([...(old?.snapshots ?? []), [snap.commit, snap]]),
      objectId: sha1(`model:${r.id}`).slice(0, 24),
    });
  }
  for (const r of repos) addRepo(r);

  // --- helpers -------------------------------------------------------------------------------------------------

  function jsonReply(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Reply {
    return {
      status,
      headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(value),
    };
  }

  function hubError(
    status: number,
    message: string,
    code?: string,
    headers: OutgoingHttpHeaders = {},
  ): Reply {
    return jsonReply(
      status,
      { error: message },
      { ...(code && { 'X-Error-Code': code }), 'X-Error-Message': message, ...headers },
    );
  }

  /** Missing, or private and not yours: 401 'Invalid username or password.' when anonymous, else 404. */
  const repoNotFound = (status: number) =>
    hubError(
      status,
      status === 401 ? 'Invalid username or password.' : 'Repository not found',
      'RepoNotFound',
    );

  /** The Hub's words for a gated repo: 401 when anonymous, 403 for a user not (yet) granted access. */
  function gatedRepo(id: string, authenticated: boolean): Reply {
    return authenticated
      ? hubError(
          403,
          `Access to model ${id} is restricted and you are not in the authorized list. Visit https://huggingface.co/${id} to ask for access.`,
          'GatedRepo',
        )
      : hubError(
          401,
          `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
          'GatedRepo',
        );
  }

  function knownTokens(): Set<string> {
    return new Set([...state.values()].flatMap((r) => (r.token ? [r.token] : [])));
  }

  function bearer(req: IncomingMessage): string | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return m?.[1];
  }

  /** The Hub's answers to who may see what: private repos hide everything, gated ones only their files. */
  function authorize(req: IncomingMessage, repo: RepoState | undefined, files: boolean): Reply | undefined {
    const token = bearer(req);
    if (token !== undefined && !knownTokens().has(token)) {
      return hubError(401, 'Invalid credentials in Authorization header');
    }
    if (!repo) return repoNotFound(token ? 404 : 401);
    if (repo.private && token !== repo.token) return repoNotFound(token ? 404 : 401);
    if (files && repo.gated && token !== repo.token) {
      return gatedRepo(repo.id, token !== undefined);
    }
    return undefined;
  }

  function snapshotAt(repo: RepoState, rev: string): Snapshot | undefined {
    const sha = rev === 'main' || rev === 'HEAD' ? repo.head : rev;
    return repo.snapshots.get(sha);
  }

  const revisionNotFound = (rev: string) => hubError(404, `Invalid rev id: ${rev}`, 'RevisionNotFound');

  function takeFault(
    repoId: string | undefined,
    path: string | undefined,
    kinds: Fault['kind'][],
  ): Fault | undefined {
    for (const a of faults) {
      if (a.left <= 0 || !kinds.includes(a.fault.kind)) continue;
      if (a.fault.repo !== undefined && a.fault.repo !== repoId) continue;
      if (a.fault.path !== '*' && (path === undefined || a.fault.path !== path)) continue;
      a.left -= 1;
      return a.fault;
    }
    return undefined;
  }

  /** Takes (uses up one time of) the first body fault for the path that can fire on a body of `length` bytes. */
  function bodyFault(repoId: string, path: string, method: string, length: number): Fault | undefined {
    if (method === 'HEAD' || length < 2) return undefined;
    const a = faults.find(
      (x) =>
        x.left > 0 &&
        x.fault.kind !== 'status' &&
        (x.fault.repo === undefined || x.fault.repo === repoId) &&
        (x.fault.path === '*' || x.fault.path === path) &&
        (x.fault.kind !== 'drop' || (x.fault.afterBytes ?? 0) < length),
    );
    if (a) a.left -= 1;
    return a?.fault;
  }

  function statusFaultReply(
    f: Fault,
    repoId: string | undefined,
    path: string | undefined,
    api: boolean,
  ): Reply {
    const status = f.status ?? 500;
    const bucket = api ? 'api' : 'resolvers';
    switch (status) {
      case 401:
        return repoNotFound(401);
      case 403:
        return gatedRepo(repoId ?? '', true);
      case 404:
        return path === undefined ? repoNotFound(404) : hubError(404, 'Entry not found', 'EntryNotFound');
      case 429: {
        const after = f.retryAfter ?? 1;
        return hubError(
          429,
          `You have been rate-limited; you can retry this action in ${after} seconds.`,
          undefined,
          {
            'Retry-After': String(after),
            RateLimit: `"${bucket}";r=0;t=${after}`,
            'RateLimit-Policy': `"fixed window";"${bucket}";q=${api ? 1000 : 3000};w=300`,
          },
        );
      }
      default:
        return hubError(
          status,
          status >= 500
            ? "Internal Error - We're working hard to fix this as soon as possible!"
            : `Error ${status}`,
        );
    }
  }

  // --- model info ----------------------------------------------------------------------------------------------

  function jsonFile(snap: Snapshot, path: string): Record<string, unknown> | undefined {
    const f = snap.files.get(path);
    if (!f) return undefined;
    try {
      const v: unknown = JSON.parse(Buffer.from(f.bytes).toString('utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  function modelInfo(repo: RepoState, snap: Snapshot, query: URLSearchParams): Reply {
    const [author] = repo.id.split('/');
    const config = jsonFile(snap, 'config.json');
    const tokenizerConfig = jsonFile(snap, 'tokenizer_config.json');
    const onnx = [...snap.files.keys()].some((p) => /\.onnx$/.test(p));
    const architectures = Array.isArray(config?.architectures) ? (config.architectures as unknown[]) : [];
    const causal = architectures.some((a) => typeof a === 'string' && a.endsWith('ForCausalLM'));
    const pipeline = causal ? 'text-generation' : undefined;
    const library = onnx ? 'transformers.js' : config ? 'transformers' : undefined;
    const blobs = query.get('blobs') === 'true' || query.get('blobs') === '1';
    const full: Record<string, unknown> = {
      _id: repo.objectId,
      id: repo.id,
      private: repo.private,
      pipeline_tag: pipeline,
      library_name: library,
      tags: [
        ...new Set(
          [library, onnx ? 'onnx' : undefined, config?.model_type, pipeline, 'region:us'].filter(
            (t): t is string => typeof t === 'string',
          ),
        ),
      ],
      downloads: 0,
      likes: 0,
      modelId: repo.id,
      author,
      sha: snap.commit,
      lastModified: COMMIT_DATE,
      gated: repo.gated,
      disabled: false,
      'model-index': null,
      config: config && {
        ...(architectures.length > 0 && { architectures }),
        ...(typeof config.model_type === 'string' && { model_type: config.model_type }),
        ...(config.auto_map !== undefined && { auto_map: config.auto_map }),
        ...(config.quantization_config !== undefined && { quantization_config: config.quantization_config }),
        ...(tokenizerConfig && {
          tokenizer_config: Object.fromEntries(
            TOKENIZER_CONFIG_KEYS.filter((k) => k in tokenizerConfig).map((k) => [k, tokenizerConfig[k]]),
          ),
        }),
      },
      transformersInfo: causal
        ? { auto_model: 'AutoModelForCausalLM', pipeline_tag: 'text-generation', processor: 'AutoTokenizer' }
        : undefined,
      siblings: [...snap.files.values()].map((f) =>
        blobs
          ? {
              rfilename: f.path,
              blobId: f.oid,
              size: f.bytes.length,
              ...(f.pointer && {
                lfs: { sha256: f.sha256, size: f.bytes.length, pointerSize: f.pointer.length },
              }),
            }
          : { rfilename: f.path },
      ),
      spaces: [],
      createdAt: COMMIT_DATE,
      usedStorage: [...snap.files.values()].reduce((s, f) => s + f.bytes.length, 0),
    };
    const expand = [...query.getAll('expand'), ...query.getAll('expand[]')];
    if (expand.length === 0) return jsonReply(200, full);
    const bad = expand.find((k) => !EXPANDABLE.has(k));
    if (bad !== undefined) {
      return hubError(
        400,
        `"expand" must be one of [${[...EXPANDABLE].map((k) => `"${k}"`).join(', ')}] (got "${bad}")`,
      );
    }
    return jsonReply(200, {
      _id: full._id,
      id: full.id,
      ...Object.fromEntries(expand.map((k) => [k, full[k]])),
    });
  }

  // --- tree / paths-info ---------------------------------------------------------------------------------------

  function entryJson(snap: Snapshot, path: string, expand: boolean): Record<string, unknown> | undefined {
    const extra = expand
      ? {
          lastCommit: { id: snap.commit, title: COMMIT_TITLE, date: COMMIT_DATE },
          securityFileStatus: { status: 'safe' },
        }
      : {};
    const f = snap.files.get(path);
    if (f) {
      return {
        type: 'file',
        oid: f.oid,
        size: f.bytes.length,
        ...(f.pointer && { lfs: { oid: f.sha256, size: f.bytes.length, pointerSize: f.pointer.length } }),
        path,
        ...extra,
      };
    }
    const dir = path === '' ? undefined : snap.dirs.get(path);
    return dir === undefined ? undefined : { type: 'directory', oid: dir, size: 0, path, ...extra };
  }

  function tree(repo: RepoState, snap: Snapshot, rev: string, dir: string, query: URLSearchParams): Reply {
    if (dir !== '' && !snap.dirs.has(dir)) {
      return snap.files.has(dir)
        ? hubError(400, `${dir} is not a directory`)
        : hubError(404, `Entry not found`, 'EntryNotFound');
    }
    const recursive = query.get('recursive') === 'true' || query.get('recursive') === '1';
    const expand = query.get('expand') === 'true' || query.get('expand') === '1';
    const prefix = dir === '' ? '' : `${dir}/`;
    const paths = [...snap.dirs.keys(), ...snap.files.keys()]
      .filter((p) => p !== '' && p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes('/')))
      .sort((a, b) => (a < b ? -1 : 1));
    const cursor = query.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0 || start > paths.length) return hubError(400, 'Invalid cursor');
    const page = paths.slice(start, start + pageSize);
    const headers: OutgoingHttpHeaders = {};
    if (start + page.length < paths.length) {
      const next = new URL(
        `${base}/api/models/${repo.id}/tree/${encodeURIComponent(rev)}${dir ? `/${encodePath(dir)}` : ''}`,
      );
      next.searchParams.set('recursive', String(recursive));
      next.searchParams.set('expand', String(expand));
      next.searchParams.set('cursor', Buffer.from(String(start + page.length)).toString('base64url'));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    return jsonReply(
      200,
      page.map((p) => entryJson(snap, p, expand)),
      headers,
    );
  }

  async function pathsInfo(req: IncomingMessage, snap: Snapshot): Promise<Reply> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let paths: unknown[];
    let expand: boolean;
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return hubError(400, 'Invalid JSON body');
      }
      const b = (body ?? {}) as { paths?: unknown; expand?: unknown };
      paths = Array.isArray(b.paths) ? b.paths : typeof b.paths === 'string' ? [b.paths] : [];
      expand = b.expand === true || b.expand === 'true';
    } else {
      const form = new URLSearchParams(raw);
      paths = [...form.getAll('paths'), ...form.getAll('paths[]')];
      expand = form.get('expand') === 'true' || form.get('expand') === 'True' || form.get('expand') === '1';
    }
    if (!paths.every((p): p is string => typeof p === 'string'))
      return hubError(400, '"paths" must be strings');
    // As on the Hub, paths that do not exist are left out, not an error.
    return jsonReply(
      200,
      [...new Set(paths)].flatMap((p) => entryJson(snap, p.replace(/^\/+|\/+$/g, ''), expand) ?? []),
    );
  }

  // --- bytes ---------------------------------------------------------------------------------------------------

  type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

  function parseRange(header: string | undefined, size: number): Range {
    const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
    if (!m || (m[1] === '' && m[2] === '')) return undefined; // absent, malformed or multi-range: the whole body
    if (m[1] === '') {
      const n = Number(m[2]);
      return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
    }
    const start = Number(m[1]);
    const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    return start >= size || start > end ? 'unsatisfiable' : { start, end };
  }

  function contentType(bytes: Uint8Array, lfs: boolean): string {
    return lfs || bytes.includes(0) ? 'application/octet-stream' : 'text/plain; charset=utf-8';
  }

  function disposition(path: string): string {
    const name = path.split('/').at(-1) ?? path;
    return `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name.replace(/["\\]/g, '_')}";`;
  }

  /** Serves `bytes` (honouring Range) with `headers`, applying a body fault if one is set for the path. */
  function serveBytes(
    req: IncomingMessage,
    res: ServerResponse,
    log: StandinRequest,
    repoId: string,
    path: string,
    bytes: Uint8Array,
    headers: OutgoingHttpHeaders,
  ): void {
    const range = parseRange(req.headers.range, bytes.length);
    if (range === 'unsatisfiable') {
      send(res, log, {
        status: 416,
        headers: { ...headers, 'Content-Range': `bytes */${bytes.length}`, 'Content-Type': 'text/plain' },
        body: 'Requested Range Not Satisfiable',
      });
      return;
    }
    let body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    const status = range ? 206 : 200;
    const head: OutgoingHttpHeaders = {
      ...headers,
      'Accept-Ranges': 'bytes',
      'Content-Length': String(body.length),
      ...(range && { 'Content-Range': `bytes ${range.start}-${range.end}/${bytes.length}` }),
    };
    const fault = bodyFault(repoId, path, req.method ?? 'GET', body.length);
    if (req.method === 'HEAD' || !fault) {
      send(res, log, { status, headers: head, body: req.method === 'HEAD' ? undefined : body });
      return;
    }
    log.status = status;
    res.writeHead(status, head);
    if (fault.kind === 'corrupt') {
      body = Uint8Array.from(body);
      const at = Math.min(body.length - 1, fault.afterBytes ?? Math.floor(body.length / 2));
      body[at] = (body[at] ?? 0) ^ 0xff;
      res.end(body);
    } else if (fault.kind === 'drop') {
      const keep = body.subarray(0, fault.afterBytes ?? Math.floor(body.length / 2));
      res.flushHeaders();
      res.write(keep, () => res.socket?.destroySoon());
    } else {
      const bps = Math.max(1, fault.bytesPerSecond ?? 65536);
      const tickMs = 50;
      const chunk = Math.max(1, Math.floor((bps * tickMs) / 1000));
      let offset = 0;
      res.flushHeaders();
      const tick = () => {
        if (res.destroyed) return;
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            if (res.destroyed) return;
            const part = body.subarray(offset, offset + chunk);
            offset += part.length;
            if (offset >= body.length) res.end(part);
            else res.write(part, tick);
          },
          Math.ceil((chunk / bps) * 1000),
        );
        timers.add(timer);
      };
      tick();
    }
  }

  function cdnLocation(repoId: string, f: FileEntry): string {
    const q = new URLSearchParams({
      'response-content-disposition': disposition(f.path),
      repo: repoId,
      path: f.path,
      Expires: String(Math.floor(Date.now() / 1000) + 3600),
      Signature: sha1(repoId, f.path, f.sha256).slice(0, 16),
    });
    return `${base}/cdn/${f.sha256}?${q.toString()}`;
  }

  function resolveFile(
    req: IncomingMessage,
    res: ServerResponse,
    log: StandinRequest,
    repo: RepoState,
    snap: Snapshot,
    rev: string,
    path: string,
    mode: 'resolve' | 'raw' | 'cache',
  ): void {
    const f = snap.files.get(path);
    const common = { 'X-Repo-Commit': snap.commit };
    if (!f) {
      // The commit comes along, as on the Hub (huggingface_hub caches the absence under it).
      send(res, log, hubError(404, 'Entry not found', 'EntryNotFound', common));
      return;
    }
    if (mode === 'raw' || !f.pointer) {
      const bytes = mode === 'raw' && f.pointer ? new Uint8Array(f.pointer) : f.bytes;
      if (mode === 'resolve' && options.resolveCache) {
        const q = new URLSearchParams({ [`/${repo.id}/resolve/${rev}/${path}`]: '', etag: `"${f.oid}"` });
        const location = `/api/resolve-cache/models/${repo.id}/${snap.commit}/${encodePath(path)}?${q.toString()}`;
        send(res, log, {
          status: 307,
          headers: {
            Location: location,
            'Content-Type': 'text/plain; charset=utf-8',
            Vary: 'Origin, Accept',
          },
          body: req.method === 'HEAD' ? undefined : `Temporary Redirect. Redirecting to ${location}`,
        });
        return;
      }
      serveBytes(req, res, log, repo.id, path, bytes, {
        ...common,
        ETag: `"${f.oid}"`,
        'Content-Type': contentType(bytes, false),
        'Content-Disposition': disposition(path),
        Vary: 'Origin, Accept',
      });
      return;
    }
    const location = cdnLocation(repo.id, f);
    const text = `Found. Redirecting to ${location}`;
    send(res, log, {
      status: 302,
      headers: {
        ...common,
        Location: location,
        ETag: `"${f.sha256}"`,
        'X-Linked-ETag': `"${f.sha256}"`,
        'X-Linked-Size': String(f.bytes.length),
        'Content-Type': 'text/plain; charset=utf-8',
        Vary: 'Origin, Accept',
      },
      body: req.method === 'HEAD' ? undefined : text,
    });
  }

  function cdn(
    req: IncomingMessage,
    res: ServerResponse,
    log: StandinRequest,
    sha: string,
    query: URLSearchParams,
  ): void {
    const repoId = query.get('repo') ?? '';
    const path = query.get('path') ?? '';
    let file: FileEntry | undefined;
    for (const snap of state.get(repoId)?.snapshots.values() ?? []) {
      const f = snap.files.get(path);
      if (f?.pointer && f.sha256 === sha) file = f;
    }
    if (!file) {
      send(res, log, {
        status: 404,
        headers: { 'Content-Type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
      });
      return;
    }
    serveBytes(req, res, log, repoId, path, file.bytes, {
      ETag: `"${sha}"`,
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': query.get('response-content-disposition') ?? disposition(path),
      'Last-Modified': new Date(COMMIT_DATE).toUTCString(),
      'X-Cache': 'Miss from cloudfront',
    });
  }

  // --- dispatch ------------------------------------------------------------------------------------------------

  function send(res: ServerResponse, log: StandinRequest, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    log.status = reply.status;
    res.writeHead(reply.status, {
      ...reply.headers,
      ...(body !== undefined &&
        !('Content-Length' in (reply.headers ?? {})) && { 'Content-Length': String(body.length) }),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, log: StandinRequest): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', base);
    let segs: string[];
    try {
      segs = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      send(res, log, hubError(400, 'Bad URL'));
      return;
    }
    const read = method === 'GET' || method === 'HEAD';
    const notFound = (): Reply => ({
      status: 404,
      headers: { 'Content-Type': 'text/plain' },
      body: 'Not Found',
    });

    // The CDN's signed URLs: no auth, faults by the repo path the URL was signed for.
    if (segs[0] === 'cdn' && segs.length === 2 && read) {
      const repoId = url.searchParams.get('repo') ?? undefined;
      const path = url.searchParams.get('path') ?? undefined;
      const f = takeFault(repoId, path, ['status']);
      if (f) send(res, log, statusFaultReply(f, repoId, path, false));
      else cdn(req, res, log, segs[1] ?? '', url.searchParams);
      return;
    }

    // /api/models/{org}/{name}[/...]
    if (segs[0] === 'api' && segs[1] === 'models' && segs.length >= 4) {
      const repoId = `${segs[2]}/${segs[3]}`;
      const rest = segs.slice(4);
      const repo = state.get(repoId);
      const f = takeFault(repoId, undefined, ['status']);
      if (f) return send(res, log, statusFaultReply(f, repoId, undefined, true));
      let op: 'info' | 'tree' | 'paths-info' | 'auth-check' | undefined;
      let rev = 'main';
      if (rest.length === 0 && read) op = 'info';
      else if (rest[0] === 'revision' && rest.length === 2 && read) [op, rev] = ['info', rest[1] ?? ''];
      else if (rest[0] === 'tree' && rest.length >= 2 && read) [op, rev] = ['tree', rest[1] ?? ''];
      else if (rest[0] === 'paths-info' && rest.length === 2 && method === 'POST')
        [op, rev] = ['paths-info', rest[1] ?? ''];
      else if (rest[0] === 'auth-check' && rest.length === 1 && read) op = 'auth-check';
      if (!op) return send(res, log, notFound());
      const denied = authorize(req, repo, op === 'auth-check');
      if (denied || !repo) return send(res, log, denied ?? repoNotFound(401));
      if (op === 'auth-check') return send(res, log, jsonReply(200, { ok: true }));
      const snap = snapshotAt(repo, rev);
      if (!snap) return send(res, log, revisionNotFound(rev));
      if (op === 'info') return send(res, log, modelInfo(repo, snap, url.searchParams));
      if (op === 'tree')
        return send(res, log, tree(repo, snap, rev, rest.slice(2).join('/'), url.searchParams));
      return send(res, log, await pathsInfo(req, snap));
    }

    // /api/resolve-cache/models/{org}/{name}/{commit}/{path} (only handed out with options.resolveCache)
    if (
      segs[0] === 'api' &&
      segs[1] === 'resolve-cache' &&
      segs[2] === 'models' &&
      segs.length >= 7 &&
      read
    ) {
      const repoId = `${segs[3]}/${segs[4]}`;
      const path = segs.slice(6).join('/');
      const f = takeFault(repoId, path, ['status']);
      if (f) return send(res, log, statusFaultReply(f, repoId, path, false));
      const repo = state.get(repoId);
      const denied = authorize(req, repo, true);
      if (denied || !repo) return send(res, log, denied ?? repoNotFound(401));
      const snap = repo.snapshots.get(segs[5] ?? '');
      if (!snap) return send(res, log, revisionNotFound(segs[5] ?? ''));
      return resolveFile(req, res, log, repo, snap, segs[5] ?? '', path, 'cache');
    }

    // /{org}/{name}/(resolve|raw)/{rev}/{path}
    if (segs.length >= 5 && (segs[2] === 'resolve' || segs[2] === 'raw') && read) {
      const repoId = `${segs[0]}/${segs[1]}`;
      const rev = segs[3] ?? '';
      const path = segs.slice(4).join('/');
      const f = takeFault(repoId, path, ['status']);
      if (f) return send(res, log, statusFaultReply(f, repoId, path, false));
      const repo = state.get(repoId);
      const denied = authorize(req, repo, true);
      if (denied || !repo) return send(res, log, denied ?? repoNotFound(401));
      const snap = snapshotAt(repo, rev);
      if (!snap) return send(res, log, revisionNotFound(rev));
      return resolveFile(req, res, log, repo, snap, rev, path, segs[2] === 'raw' ? 'raw' : 'resolve');
    }

    const f = takeFault(undefined, undefined, ['status']);
    send(res, log, f ? statusFaultReply(f, undefined, undefined, true) : notFound());
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const log: StandinRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, status: 0 };
    requests.push(log);
    res.setHeader('X-Request-Id', `Root=1-standin-${(++requestCount).toString(16).padStart(8, '0')}`);
    handle(req, res, log).catch((err: unknown) => {
      send(res, log, hubError(500, `hub stand-in: ${err instanceof Error ? err.message : String(err)}`));
    });
  });
  const listening = await listenOnLoopback(server, 'hub stand-in');
  base = listening.url;

  return {
    url: base,
    requests,
    addFault(f: Fault): void {
      faults.push({ fault: { ...f }, left: f.times ?? 1 });
    },
    clearFaults(): void {
      faults.length = 0;
    },
    addRepo,
    close(): Promise<void> {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      listening.destroySockets();
      return closed;
    },
  };
}
