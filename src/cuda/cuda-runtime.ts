// Which CUDA runtime, cuDNN and NVIDIA driver libraries ORT's CUDA provider needs and the loader cannot find here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { elfLinks } from './elf-needed';

export interface RuntimeCheckOptions {
  /**
   * onnxruntime-node's bin folder (ortBinDir()). On Linux, when it holds libonnxruntime_providers_cuda.so, the
   * libraries that file links are the list checked; else the list this ORT version's provider is known to link.
   */
  binDir?: string;
  /** The dynamic loader's cache; default /etc/ld.so.cache. */
  ldCache?: string;
  /** The loader's own folders (Linux), searched after LD_LIBRARY_PATH; default /usr/lib/<triple>, /lib64, ... */
  systemDirs?: string[];
  arch?: string;
}

export interface CudaRuntimeReport {
  /** Libraries the CUDA provider links and the loader would not find: without them it cannot load. */
  missing: string[];
  /** cuDNN, which the provider loads when an operator needs it (convolutions ...), when it cannot be found. */
  cudnnMissing: string | undefined;
  /** The CUDA major version those libraries belong to (12, 13 ...). */
  cudaMajor: number | undefined;
  /** Where the list came from: the installed provider library, or what this ORT version's provider links. */
  from: 'provider' | 'expected';
  /** One line naming what is missing and how to get it; undefined when nothing is. */
  message: string | undefined;
}

/**
 * What libonnxruntime_providers_cuda.so of ORT 1.30.0 links besides the C/C++ runtime (readelf -d of the provider in
 * the onnxruntime-gpu 1.30.0 wheel, the same build as the NuGet package): CUDA 13's runtime and cuBLAS, cuRAND and
 * the driver. cuDNN 9 (libcudnn.so.9, else libcudnn.so) and cuFFT are opened later, when an operator needs them.
 */
const EXPECTED_LINUX = [
  'libcublasLt.so.13',
  'libcublas.so.13',
  'libcurand.so.10',
  'libcudart.so.13',
  'libcuda.so.1',
];
const CUDNN_LINUX = 'libcudnn.so.9';
const CUDNN_WINDOWS = 'cudnn64_9.dll';
const DRIVER = new Set(['libcuda.so.1', 'nvcuda.dll']);

/** A Linux library name as its Windows DLL: libcudart.so.13 -> cudart64_13.dll, libcuda.so.1 -> nvcuda.dll. */
export function windowsDll(soname: string): string {
  if (soname === 'libcuda.so.1') return 'nvcuda.dll';
  const m = /^lib(.+)\.so\.(\d+)$/.exec(soname);
  return m ? `${m[1]}64_${m[2]}.dll` : soname;
}

/** The CUDA libraries a provider library links (libcu*, libnv*), with the runpath it carries. */
function providerLinks(binDir: string | undefined): { names: string[]; runpath: string[] } | undefined {
  if (!binDir) return undefined;
  const links = elfLinks(join(binDir, 'libonnxruntime_providers_cuda.so'));
  if (!links) return undefined;
  return {
    names: links.needed.filter((n) => /^lib(cu|nv)/.test(n)),
    runpath: links.runpath.map((p) => p.replace(/\$\{?ORIGIN\}?/g, binDir)),
  };
}

/** The folders the Linux loader searches when nothing else names the library (besides its cache). */
function loaderDirs(arch: string): string[] {
  const triple = arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [`/usr/lib/${triple}`, `/lib/${triple}`, '/usr/lib64', '/lib64', '/usr/lib', '/lib'];
}

/** Whether the loader cache lists `name` (as a key "\0name\0" or a path ".../name\0"). */
function inCache(cache: Buffer | undefined, name: string): boolean {
  if (!cache) return false;
  const needle = Buffer.from(`${name}\0`);
  for (let at = cache.indexOf(needle); at >= 0; at = cache.indexOf(needle, at + 1)) {
    const before = at === 0 ? 0 : cache[at - 1];
    if (before === 0 || before === 0x2f) return true;
  }
  return false;
}

/**
 * Checks that the libraries ORT's CUDA provider needs can be found the way the loader looks for them: on Linux the
 * loader cache, LD_LIBRARY_PATH and the system library folders; on Windows the provider's folder, System32 and PATH.
 * Says exactly which are missing, and how to get them. Other platforms: nothing to check (no CUDA provider).
 */
export function cudaRuntimeMissing(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  options: RuntimeCheckOptions = {},
): CudaRuntimeReport {
  const links = platform === 'linux' ? providerLinks(options.binDir) : undefined;
  const from = links ? 'provider' : 'expected';
  const linked = links?.names ?? EXPECTED_LINUX;
  const cudaMajor = linked
    .map((n) => /^libcudart\.so\.(\d+)$/.exec(n) ?? /^libcublas\.so\.(\d+)$/.exec(n))
    .map((m) => (m ? Number(m[1]) : undefined))
    .find((v) => v !== undefined);
  let found: (name: string) => boolean;
  let hintDirs: string[];
  let needs: string[];
  let cudnn: string;
  if (platform === 'linux') {
    let cache: Buffer | undefined;
    try {
      cache = readFileSync(options.ldCache ?? '/etc/ld.so.cache');
    } catch {
      cache = undefined; // no loader cache (some containers): the folders alone
    }
    const arch = options.arch ?? process.arch;
    // LD_LIBRARY_PATH, the provider's runpath, then the cache and the loader's folders
    const dirs = [
      ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
      ...(links?.runpath ?? []),
      ...(options.systemDirs ?? loaderDirs(arch)),
    ];
    found = (name) => inCache(cache, name) || dirs.some((d) => existsSync(join(d, name)));
    const home = env.CUDA_HOME ?? env.CUDA_PATH ?? '/usr/local/cuda';
    hintDirs = [
      join(home, 'lib64'),
      join(home, 'targets', arch === 'arm64' ? 'sbsa-linux' : 'x86_64-linux', 'lib'),
    ];
    needs = linked;
    cudnn = CUDNN_LINUX;
  } else if (platform === 'win32') {
    const root = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
    const path = env.PATH ?? env.Path ?? '';
    const dirs = [
      ...(options.binDir ? [options.binDir] : []),
      join(root, 'System32'),
      root,
      ...path.split(';').filter(Boolean),
    ];
    found = (name) => dirs.some((d) => existsSync(join(d, name)));
    const cudaPath = env.CUDA_PATH;
    hintDirs = cudaPath ? [join(cudaPath, 'bin'), join(cudaPath, 'bin', 'x64')] : [];
    needs = linked.map(windowsDll);
    cudnn = CUDNN_WINDOWS;
  } else {
    return { missing: [], cudnnMissing: undefined, cudaMajor: undefined, from, message: undefined };
  }
  const missing = needs.filter((n) => !found(n));
  const cudnnMissing = found(cudnn) || (platform === 'linux' && found('libcudnn.so')) ? undefined : cudnn;
  return {
    missing,
    cudnnMissing,
    cudaMajor,
    from,
    message: describe(platform, missing, cudnnMissing, cudaMajor, hintDirs),
  };
}

/** The one line: the runtime libraries, the driver, cuDNN, and where a library found outside the loader's path is. */
function describe(
  platform: NodeJS.Platform,
  missing: string[],
  cudnn: string | undefined,
  major: number | undefined,
  hintDirs: string[],
): string | undefined {
  if (missing.length === 0 && !cudnn) return undefined;
  const cuda = major ? `CUDA ${major}` : 'CUDA';
  const x = major ? `${major}.x` : '';
  const where =
    platform === 'win32'
      ? 'in a folder on PATH'
      : 'where the dynamic loader finds them (a folder in /etc/ld.so.conf.d, then ldconfig; or LD_LIBRARY_PATH)';
  const parts: string[] = [];
  const runtime = missing.filter((n) => !DRIVER.has(n));
  const driver = missing.filter((n) => DRIVER.has(n));
  if (runtime.length > 0) {
    const stray = hintDirs.filter((d) => runtime.some((n) => existsSync(join(d, n))));
    parts.push(
      `the ${cuda} libraries ${runtime.join(', ')} are missing: install the ${cuda} runtime ` +
        `(CUDA Toolkit ${x}, or its cudart, cuBLAS and cuRAND packages) ${where}` +
        (stray.length > 0 ? ` (${stray.join(' and ')} has them, but the loader does not look there)` : ''),
    );
  }
  if (driver.length > 0) {
    parts.push(`the NVIDIA driver (${driver.join(', ')}) is missing: install the NVIDIA driver for your GPU`);
  }
  if (cudnn) {
    parts.push(
      `cuDNN 9 (${cudnn}) is missing, which some operators need: install cuDNN 9 for ${cuda}${runtime.length ? '' : ` ${where}`}`,
    );
  }
  return missing.length > 0
    ? `CUDA cannot start here: ${parts.join('; ')}`
    : `CUDA can start, but ${parts[0]}`;
}
