// The NuGet v3 API, as far as installing one package needs it: service index, registration leaf, catalog hash.
import { CudaInstallError } from './cuda-errors';

export interface FeedOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface NugetPackage {
  id: string;
  version: string;
  /** The .nupkg in the feed's flat container (PackageBaseAddress/3.0.0). */
  url: string;
  /** SHA-512 of the .nupkg, base64, as the feed's catalog entry publishes it (`packageHash`). */
  sha512: string;
  /** Its size in bytes, when the catalog entry says (`packageSize`). */
  size: number | undefined;
}

const REGISTRATION_TYPES = [
  'RegistrationsBaseUrl/3.6.0',
  'RegistrationsBaseUrl/3.4.0',
  'RegistrationsBaseUrl/Versioned',
  'RegistrationsBaseUrl/3.0.0-rc',
  'RegistrationsBaseUrl',
];

const slash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** Why a request failed, as one line: the cause's code (ECONNREFUSED ...) or message. */
function cause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message ?? String(e);
}

/** A GET that turns every failure into a CudaInstallError; `what` names the package for 404s. */
export async function feedGet(url: string, what: string, options: FeedOptions): Promise<Response> {
  if (options.signal?.aborted) throw new CudaInstallError('cancelled', 'the CUDA install was cancelled');
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, options.signal ? { signal: options.signal } : {});
  } catch (e) {
    if (options.signal?.aborted) throw new CudaInstallError('cancelled', 'the CUDA install was cancelled');
    throw new CudaInstallError('network', `cannot reach the NuGet feed at ${new URL(url).host}: ${cause(e)}`);
  }
  if (res.ok) return res;
  await res.body?.cancel();
  if (res.status === 404)
    throw new CudaInstallError('not-found', `the NuGet feed has no ${what} (HTTP 404 for ${url})`);
  throw new CudaInstallError('network', `the NuGet feed answered HTTP ${res.status} for ${url}`);
}

async function getJson(url: string, what: string, options: FeedOptions): Promise<Record<string, unknown>> {
  const res = await feedGet(url, what, options);
  try {
    const value: unknown = await res.json();
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    if (options.signal?.aborted) throw new CudaInstallError('cancelled', 'the CUDA install was cancelled');
  }
  throw new CudaInstallError('bad-feed', `${url} is not the JSON a NuGet v3 feed answers`);
}

/**
 * Looks `id` `version` up in the feed whose service index is `feed`: where its .nupkg is (the flat container) and
 * the SHA-512 the catalog publishes for it (registration leaf -> catalogEntry -> packageHash).
 */
export async function resolvePackage(
  feed: string,
  id: string,
  version: string,
  options: FeedOptions = {},
): Promise<NugetPackage> {
  const what = `${id} ${version}`;
  const index = await getJson(feed, `service index ${feed}`, options);
  const resources = Array.isArray(index.resources) ? (index.resources as Record<string, unknown>[]) : [];
  const find = (type: string) => {
    const r = resources.find((x) => x['@type'] === type && typeof x['@id'] === 'string');
    return r ? new URL(slash(r['@id'] as string), feed).toString() : undefined;
  };
  const base = find('PackageBaseAddress/3.0.0');
  const registrations = REGISTRATION_TYPES.map(find).find((u) => u !== undefined);
  if (!base || !registrations) {
    throw new CudaInstallError(
      'bad-feed',
      `${feed} is not a NuGet v3 service index (no PackageBaseAddress/3.0.0 or RegistrationsBaseUrl resource)`,
    );
  }
  const lowerId = id.toLowerCase();
  const lowerVersion = version.toLowerCase();
  const leafUrl = `${registrations}${lowerId}/${lowerVersion}.json`;
  const leaf = await getJson(leafUrl, what, options);
  // a registration leaf names its catalog entry by URL; registration pages inline it as an object
  let entry = leaf.catalogEntry;
  if (typeof entry === 'string') entry = await getJson(new URL(entry, leafUrl).toString(), what, options);
  const catalog = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  const hash = catalog.packageHash;
  const algorithm = String(catalog.packageHashAlgorithm ?? '');
  if (typeof hash !== 'string' || algorithm.toUpperCase() !== 'SHA512') {
    throw new CudaInstallError(
      'no-hash',
      `the NuGet feed publishes no SHA-512 for ${what} (catalog entry packageHash/packageHashAlgorithm), so the ` +
        'package cannot be verified; nothing was installed',
    );
  }
  const size = typeof catalog.packageSize === 'number' ? catalog.packageSize : undefined;
  return {
    id,
    version,
    url: `${base}${lowerId}/${lowerVersion}/${lowerId}.${lowerVersion}.nupkg`,
    sha512: hash,
    size,
  };
}
