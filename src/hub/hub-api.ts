// The Hub's API as Glassbox uses it: a repository's commit and file list (through @huggingface/hub), with a token.
import { listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub';
import { httpError, HubError } from './hub-errors';
import { isRepoId } from './hub-cache';

export interface HubOptions {
  /** https://huggingface.co, a mirror, or a local stand-in. */
  endpoint: string;
  /** A Hugging Face token for gated and private repositories. */
  token?: string | undefined;
  /** Custom fetch (a proxy, tests). */
  fetch?: typeof fetch;
}

export interface RepoFile {
  path: string;
  size: number;
  /** The LFS object's SHA-256 (hex): what the file's bytes must hash to. Absent for small files kept in git. */
  sha256?: string;
  /** The git blob id (sha1 hex) of a file kept in git. */
  gitOid?: string;
}

export interface RepoListing {
  repo: string;
  commit: string;
  files: RepoFile[];
}

/** The endpoint: the one given (a setting, an option) when there is one, else HF_ENDPOINT, else huggingface.co. */
export function hubEndpoint(given?: string, env: NodeJS.ProcessEnv = process.env): string {
  return (given || env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** The token the environment gives, as huggingface_hub reads it (HF_TOKEN, else HUGGING_FACE_HUB_TOKEN). */
export function envToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
}

function fromHubApi(e: unknown, repo: string, endpoint: string): Error {
  const status = (e as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') {
    const data = (e as { data?: { error?: string } }).data;
    const gated = /gated|access/i.test(String(data?.error ?? (e as Error).message));
    return httpError(status, repo, endpoint, status === 403 && gated ? 'GatedRepo' : null);
  }
  if (e instanceof Error && e.name === 'AbortError') return new HubError('cancelled', 'cancelled');
  return new HubError('network', `cannot reach ${endpoint}: ${(e as Error).message}`);
}

/** The commit `revision` resolves to and every file of the repository at that commit. */
export async function listRepo(repo: string, revision: string, options: HubOptions): Promise<RepoListing> {
  if (!isRepoId(repo)) {
    throw new HubError('bad-repo', `"${repo}" is not a Hub repository id (expected organisation/name)`);
  }
  const credentials = options.token ? { accessToken: options.token as `hf_${string}` } : {};
  const common = {
    hubUrl: options.endpoint,
    ...credentials,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  let commit: string;
  try {
    const info = await modelInfo({ name: repo, revision, additionalFields: ['sha'], ...common });
    commit = String((info as { sha?: unknown }).sha ?? '');
  } catch (e) {
    throw fromHubApi(e, repo, options.endpoint);
  }
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    throw new HubError('network', `${options.endpoint} gave no commit for ${repo}@${revision}`);
  }
  const files: RepoFile[] = [];
  try {
    // list at the commit, so that every file comes from the same snapshot even if the branch moves meanwhile
    for await (const entry of listFiles({
      repo,
      revision: commit,
      recursive: true,
      ...common,
    }) as AsyncIterable<ListFileEntry>) {
      if (entry.type !== 'file') continue;
      files.push({
        path: entry.path,
        size: entry.lfs?.size ?? entry.size,
        ...(entry.lfs ? { sha256: entry.lfs.oid } : entry.oid ? { gitOid: entry.oid } : {}),
      });
    }
  } catch (e) {
    throw fromHubApi(e, repo, options.endpoint);
  }
  return { repo, commit, files };
}
