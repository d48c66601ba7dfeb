// Execution providers: detects which are usable, creates an ORT session on the best one, reports fallbacks and why.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type {
  ExecutionProviderChoice,
  ExecutionProviderName as ExecutionProvider,
  ProviderAvailability,
  ProviderReport,
} from '../../protocol/engine-methods';
import { cudaRuntimeMissing } from '../../cuda/cuda-runtime';
import { ModelFolderError } from './model-errors';
import { gpuDeviceNodes, webgpuAdapter, type ProbeResult, type WebgpuAdapter } from './webgpu-adapter';

export interface CreateSessionOptions {
  ep?: ExecutionProviderChoice;
  /** Intra-op threads for CPU work (0 or undefined: ORT's default, one per core). */
  threads?: number;
  /** Where the model's external weight files are, for a model given as bytes (ORT resolves them against it). */
  externalDataFolder?: string;
  /** Anything else to pass to ORT (graph optimisation level, ...). */
  extra?: ort.InferenceSession.SessionOptions;
  /**
   * Outputs to leave in device memory when the session runs on WebGPU (the KV cache, fed back next step without a
   * round trip through JavaScript); every other output comes back as a JS array. Names the graph lacks fail WebGPU.
   */
  deviceOutputs?: readonly string[];
  /** The model to run instead when the session ends up on the CPU (a graph edited for CPU-only compute settings). */
  cpuModel?: Uint8Array;
  /** How errors name the model (default: its path, or the folder of a graph given as bytes). */
  label?: string;
  /** Which adapter WebGPU would run on (default: the once-per-process probe of webgpu-adapter.ts). */
  webgpuAdapter?: () => Promise<ProbeResult> | undefined;
}

/** The order `auto` tries providers in, per platform; CPU always ends the list. */
export function autoOrder(platform: NodeJS.Platform = process.platform): ExecutionProvider[] {
  if (platform === 'win32') return ['dml', 'cuda', 'webgpu', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'webgpu', 'cpu'];
  return ['cuda', 'webgpu', 'cpu'];
}

/** Folder holding onnxruntime-node's native binding and provider libraries for this platform. */
export function ortBinaryDir(): string {
  const index = require.resolve('onnxruntime-node');
  return join(dirname(dirname(index)), 'bin', 'napi-v6', process.platform, process.arch);
}

function cudaLibraries(): string[] {
  if (process.platform === 'win32')
    return ['onnxruntime_providers_cuda.dll', 'onnxruntime_providers_shared.dll'];
  return ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
}

/** The folders the dynamic loader searches on Linux after LD_LIBRARY_PATH. */
function systemLibraryDirs(): string[] {
  const arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [`/usr/lib/${arch}`, `/lib/${arch}`, '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
}

/**
 * On Linux, WebGPU (Dawn) runs on Vulkan: without the Vulkan loader it cannot start, and trying prints Dawn's
 * two-line "Couldn't load Vulkan ... at operator()" warning on stderr. Look for the loader first, quietly (the loader
 * cache lists it, or a library folder holds it); undefined when it is there, else why WebGPU cannot run.
 */
export function webgpuBlocker(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  ldCache = '/etc/ld.so.cache',
  systemDirs: readonly string[] = systemLibraryDirs(),
): string | undefined {
  if (platform !== 'linux') return undefined;
  const lib = 'libvulkan.so.1';
  try {
    if (readFileSync(ldCache).includes(lib)) return undefined;
  } catch {
    // no loader cache (some containers): look in the folders
  }
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...systemDirs];
  if (dirs.some((d) => existsSync(join(d, lib)))) return undefined;
  return (
    `no Vulkan loader (${lib}), which WebGPU needs on Linux: install your GPU's Vulkan driver ` +
    '(Debian/Ubuntu: libvulkan1 and mesa-vulkan-drivers)'
  );
}

/** This machine's answer, looked up once per process (the loader does not come or go while it runs). */
let thisMachine: { blocker: string | undefined } | undefined;

/** What the installed onnxruntime-node can offer here, decided without creating a session. */
export function providerAvailability(): ProviderAvailability[] {
  const backends = new Map(ort.listSupportedBackends().map((b) => [b.name, b]));
  const out: ProviderAvailability[] = [{ name: 'cpu', available: true }];
  const platformOnly = (name: ExecutionProvider, platform: NodeJS.Platform, label: string) => {
    if (process.platform !== platform) {
      out.push({
        name,
        available: false,
        reason: `${label} exists only on ${platform} (this is ${process.platform})`,
      });
    } else if (!backends.has(name)) {
      out.push({ name, available: false, reason: `this onnxruntime-node build has no ${label} provider` });
    } else out.push({ name, available: true });
  };
  if (!backends.has('cuda') || !['linux', 'win32'].includes(process.platform) || process.arch !== 'x64') {
    out.push({
      name: 'cuda',
      available: false,
      reason: `onnxruntime-node has no CUDA provider for ${process.platform}/${process.arch}`,
    });
  } else {
    const dir = ortBinaryDir();
    const missing = cudaLibraries().filter((f) => !existsSync(join(dir, f)));
    const runtime =
      missing.length === 0 ? cudaRuntimeMissing(process.platform, process.env, { binDir: dir }) : undefined;
    out.push(
      missing.length > 0
        ? {
            name: 'cuda',
            available: false,
            reason:
              `CUDA provider library ${missing.join(' and ')} not installed in ${dir} ` +
              '(onnxruntime-node bundles CPU and WebGPU only): run Glassbox: Install CUDA Support, or ' +
              '`glassbox install-cuda`',
          }
        : runtime && runtime.missing.length > 0
          ? {
              name: 'cuda',
              available: false,
              reason: runtime.message ?? `missing ${runtime.missing.join(', ')}`,
            }
          : { name: 'cuda', available: true },
    );
  }
  thisMachine ??= { blocker: webgpuBlocker() };
  const blocker = thisMachine.blocker;
  out.push(
    !backends.has('webgpu')
      ? { name: 'webgpu', available: false, reason: 'this onnxruntime-node build has no WebGPU provider' }
      : blocker
        ? { name: 'webgpu', available: false, reason: blocker }
        : { name: 'webgpu', available: true },
  );
  platformOnly('dml', 'win32', 'DirectML');
  platformOnly('coreml', 'darwin', 'CoreML');
  return out;
}

/** The first line of an ORT error, without the source path prefix ORT puts in front. */
function shortReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
  // ORT's failed checks read "<file>:<line> <function> <condition> was false. <what happened>".
  const said = /was false\. (.+)$/.exec(line);
  return said ? (said[1] as string) : line.replace(/^\/\S+:\d+ \S+\s*/, '');
}

async function tryCreate(
  model: string | Uint8Array,
  ep: ExecutionProvider,
  options: CreateSessionOptions,
): Promise<ort.InferenceSession> {
  const threads =
    options.threads && options.threads > 0
      ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 }
      : {};
  const folder = options.externalDataFolder;
  const extra = folder
    ? { extra: { session: { model_external_initializers_file_folder_path: folder } } }
    : {};
  const onDevice =
    ep === 'webgpu' && options.deviceOutputs?.length
      ? {
          preferredOutputLocation: Object.fromEntries(
            options.deviceOutputs.map((name) => [name, 'gpu-buffer' as const]),
          ),
        }
      : {};
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: ORT's node-placement warnings are not the user's business
    ...threads,
    ...extra,
    ...onDevice,
    ...options.extra,
    executionProviders: [ep],
  };
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, sessionOptions)
    : ort.InferenceSession.create(model, sessionOptions);
}

/**
 * Creates a session on the requested provider (or the best one for `auto`), falling back to CPU with reasons.
 * A file CPU cannot load either is reported as a bad-onnx ModelFolderError.
 */
export async function createSession(
  model: string | Uint8Array,
  options: CreateSessionOptions = {},
): Promise<{ session: ort.InferenceSession; provider: ProviderReport }> {
  const where =
    options.label ??
    (typeof model === 'string'
      ? model
      : `an edited graph over ${options.externalDataFolder ?? 'its weights'}`);
  const requested = options.ep ?? 'auto';
  const candidates: ExecutionProvider[] =
    requested === 'auto' ? autoOrder() : requested === 'cpu' ? ['cpu'] : [requested, 'cpu'];
  const availability = new Map(providerAvailability().map((p) => [p.name, p]));
  const fallbacks: ProviderReport['fallbacks'] = [];
  for (const ep of candidates) {
    const a = availability.get(ep);
    if (a && !a.available) {
      fallbacks.push({ provider: ep, reason: a.reason ?? 'not available' });
      continue;
    }
    let adapter: WebgpuAdapter | undefined;
    if (ep === 'webgpu') {
      const judged = await judgeWebgpu(options.webgpuAdapter ?? webgpuAdapter);
      adapter = judged.adapter;
      if (requested === 'auto' && judged.software) {
        fallbacks.push({ provider: ep, reason: judged.software });
        continue;
      }
    }
    try {
      const session = await tryCreate(ep === 'cpu' ? (options.cpuModel ?? model) : model, ep, options);
      const onDevice = ep === 'webgpu' && (options.deviceOutputs?.length ?? 0) > 0;
      return {
        session,
        provider: {
          requested,
          used: ep,
          fallbacks,
          ...(adapter ? { adapter } : {}),
          ...(onDevice ? { deviceOutputs: true } : {}),
        },
      };
    } catch (e) {
      if (ep === 'cpu') {
        throw new ModelFolderError('bad-onnx', `ONNX Runtime cannot load ${where}: ${shortReason(e)}`, where);
      }
      fallbacks.push({ provider: ep, reason: `${ep} failed to start: ${shortReason(e)}` });
    }
  }
  throw new Error('unreachable: CPU ends every provider list');
}

/**
 * WebGPU's adapter, and why `auto` must not take it when it is a software renderer: the adapter the probe named,
 * else (no name) whether the machine has a GPU device node at all (without one, Vulkan's only device is software).
 */
async function judgeWebgpu(
  probe: () => Promise<ProbeResult> | undefined,
): Promise<{ adapter?: WebgpuAdapter; software?: string }> {
  const result = await probe();
  if (!result) return {}; // Windows (D3D12) and macOS (Metal): no probe; Dawn prefers hardware adapters there
  const anyway = 'choose webgpu in glassbox.executionProvider (or --ep webgpu) to use it anyway';
  if ('adapter' in result) {
    const { adapter } = result;
    return adapter.software
      ? {
          adapter,
          software:
            `its adapter is ${adapter.name} (${adapter.driver}), a software renderer on the CPU, ` +
            `much slower than the CPU provider; ${anyway}`,
        }
      : { adapter };
  }
  if (gpuDeviceNodes().length > 0) return {};
  return {
    software:
      `no GPU device here (no /dev/dri/renderD*, /dev/nvidia*, /dev/dxg), so its adapter could only be a software ` +
      `renderer (${result.unknown}); ${anyway}`,
  };
}

/** One line for people: "webgpu on NVIDIA H200", "cpu (fell back from cuda: ...; webgpu: ...)". */
export function describeProvider(report: ProviderReport): string {
  const on = report.adapter
    ? ` on ${report.adapter.name}${report.adapter.software ? ' (software renderer: slow)' : ''}`
    : '';
  if (report.fallbacks.length === 0) return `${report.used}${on}`;
  return `${report.used}${on} (fell back from ${report.fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')})`;
}
