// Which CUDA provider files onnxruntime-node needs in its bin folder, and the NuGet package they come from.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The onnxruntime-node version package.json pins, and so the GPU package version whose provider libraries match its
 * native binding (provider libraries are built against one exact ORT version).
 */
export const ORT_VERSION = '1.30.0';

/** The NuGet v3 service index the GPU packages come from (onnxruntime-node's install-metadata.js `feeds.nuget`). */
export const NUGET_FEED = 'https://api.nuget.org/v3/index.json';

export interface ProviderFile {
  /** The file's name in onnxruntime-node's bin folder. */
  file: string;
  /** Its path inside the .nupkg (a zip). */
  pathInPackage: string;
}

export interface CudaProviderPackage {
  /** The NuGet package id, as NuGet spells it. */
  id: string;
  version: string;
  files: ProviderFile[];
}

/**
 * onnxruntime-node 1.30.0's script/install-metadata.js, the part its installer uses for CUDA: a manifest exists for
 * linux/x64 only (its Windows binding is built without CUDA: DirectML and WebGPU). Mirrored here, not read at run
 * time, so the bundles need nothing from that script; test/unit/cuda/provider-files.test.ts checks it against the
 * installed install-metadata.js, so a version bump cannot drift silently.
 */
const PACKAGES: Record<string, CudaProviderPackage> = {
  'linux/x64': {
    id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux',
    version: ORT_VERSION,
    files: ['cuda', 'shared', 'tensorrt'].map((p) => ({
      file: `libonnxruntime_providers_${p}.so`,
      pathInPackage: `runtimes/linux-x64/native/libonnxruntime_providers_${p}.so`,
    })),
  },
};

/** The CUDA provider package for a platform, or undefined where this onnxruntime-node has no CUDA provider. */
export function cudaProviderFiles(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): CudaProviderPackage | undefined {
  return PACKAGES[`${platform}/${arch}`];
}

/**
 * onnxruntime-node's bin folder for this platform, where its native binding loads provider libraries from. The same
 * folder as ortBinaryDir() in src/engine/model/session.ts, found without loading onnxruntime-node (the extension
 * host must not load the native binding).
 */
export function ortBinDir(platform: string = process.platform, arch: string = process.arch): string {
  const packageJson = require.resolve('onnxruntime-node/package.json');
  return join(dirname(packageJson), 'bin', 'napi-v6', platform, arch);
}

/** The provider files of `pkg` that `binDir` lacks (empty: installed). */
export function missingProviderFiles(binDir: string, pkg: CudaProviderPackage): string[] {
  return pkg.files.map((f) => f.file).filter((f) => !existsSync(join(binDir, f)));
}

/** One line for a platform without a CUDA provider in this onnxruntime-node. */
export function noCudaHere(platform: string = process.platform, arch: string = process.arch): string {
  const instead =
    platform === 'win32'
      ? ': its Windows build offers DirectML (set glassbox.executionProvider to dml) and WebGPU'
      : platform === 'darwin'
        ? ': on macOS use CoreML or WebGPU'
        : '';
  return `onnxruntime-node ${ORT_VERSION} has no CUDA provider for ${platform}/${arch} (CUDA runs on Linux x64 only)${instead}`;
}
