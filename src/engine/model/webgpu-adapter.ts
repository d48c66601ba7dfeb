// Which adapter WebGPU runs on here: a probe process opens a WebGPU session with the Vulkan loader's log on.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as protobuf from 'protobufjs';

/** The device WebGPU (Dawn) took, as the Vulkan loader named it. */
export interface WebgpuAdapter {
  /** The device name, e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  name: string;
  /** The Vulkan driver library, e.g. "libvulkan_lvp.so". */
  driver: string;
  /** A renderer that runs on the CPU (lavapipe/llvmpipe, SwiftShader, softpipe): slower than the CPU provider. */
  software: boolean;
}

const SOFTWARE_NAME = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render/i;
const SOFTWARE_DRIVER = /vulkan_lvp|swiftshader|vk_swiftshader/i;

export function isSoftwareAdapter(name: string, driver = ''): boolean {
  return SOFTWARE_NAME.test(name) || SOFTWARE_DRIVER.test(driver);
}

/**
 * The device a program used, from the Vulkan loader's driver log (VK_LOADER_DEBUG=driver): the loader writes
 * `Using "<device name>" with driver: "<library>"` when the program creates its device. Undefined when absent.
 */
export function parseLoaderLog(log: string): WebgpuAdapter | undefined {
  const used = /Using "([^"\n]+)" with driver: "([^"\n]+)"/.exec(log);
  if (!used) return undefined;
  const name = used[1] as string;
  const driver = used[2] as string;
  return { name, driver, software: isSoftwareAdapter(name, driver) };
}

/** The smallest model a WebGPU session can open: y = Identity(x), float [1], opset 13. */
export function identityModel(): Uint8Array {
  type Field = [id: number, kind: 'varint' | 'bytes' | 'string', value: number | string | Uint8Array];
  const message = (fields: Field[]): Uint8Array => {
    const w = protobuf.Writer.create();
    for (const [id, kind, value] of fields) {
      if (kind === 'varint') w.uint32(id << 3).int64(value as number);
      else if (kind === 'string') w.uint32((id << 3) | 2).string(value as string);
      else w.uint32((id << 3) | 2).bytes(value as Uint8Array);
    }
    return w.finish();
  };
  // onnx.proto: TensorShapeProto.dim = 1 (Dimension.dim_value = 1); TypeProto.tensor_type = 1 (elem_type = 1: float,
  // shape = 2); ValueInfoProto name = 1, type = 2; NodeProto input = 1, output = 2, op_type = 4; GraphProto node = 1,
  // name = 2, input = 11, output = 12; ModelProto ir_version = 1, graph = 7, opset_import = 8 (version = 2).
  const shape = message([[1, 'bytes', message([[1, 'varint', 1]])]]);
  const type = message([
    [
      1,
      'bytes',
      message([
        [1, 'varint', 1],
        [2, 'bytes', shape],
      ]),
    ],
  ]);
  const value = (name: string) =>
    message([
      [1, 'string', name],
      [2, 'bytes', type],
    ]);
  const node = message([
    [1, 'string', 'x'],
    [2, 'string', 'y'],
    [4, 'string', 'Identity'],
  ]);
  const graph = message([
    [1, 'bytes', node],
    [2, 'string', 'webgpu-probe'],
    [11, 'bytes', value('x')],
    [12, 'bytes', value('y')],
  ]);
  return message([
    [1, 'varint', 8],
    [8, 'bytes', message([[2, 'varint', 13]])],
    [7, 'bytes', graph],
  ]);
}

/** The probe process: opens a WebGPU session on the identity model (argv[1]: onnxruntime-node, argv[2]: base64). */
const PROBE = `
const ort = require(process.argv[1]);
ort.InferenceSession.create(Buffer.from(process.argv[2], 'base64'), { executionProviders: ['webgpu'] })
  .then(() => process.exit(0), (e) => { process.stdout.write(String(e && e.message)); process.exit(3); });
`;

export type ProbeResult = { adapter: WebgpuAdapter } | { unknown: string };

/**
 * Opens a WebGPU session in a short-lived child process with the Vulkan loader's driver log on and reads which
 * device Dawn took (Linux; Dawn runs on Vulkan there). In a child, so the log and a driver crash stay out of this
 * process. `unknown` says why no device was named (no Vulkan log line, WebGPU failed, timeout).
 */
export function probeWebgpuAdapter(
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; execPath?: string } = {},
): Promise<ProbeResult> {
  const ortPath = require.resolve('onnxruntime-node');
  const model = Buffer.from(identityModel()).toString('base64');
  const env = { ...(options.env ?? process.env), VK_LOADER_DEBUG: 'driver', ELECTRON_RUN_AS_NODE: '1' };
  return new Promise((resolve) => {
    const child = spawn(options.execPath ?? process.execPath, ['-e', PROBE, ortPath, model], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    let said = '';
    child.stderr.on('data', (d: Buffer) => {
      if (log.length < 1 << 20) log += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => (said += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ unknown: `the WebGPU probe did not start: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const adapter = parseLoaderLog(log);
      if (adapter) resolve({ adapter });
      else if (signal) resolve({ unknown: `the WebGPU probe was stopped (${signal})` });
      else if (code !== 0)
        resolve({ unknown: `WebGPU did not start: ${said.split('\n')[0] || `exit ${code}`}` });
      else resolve({ unknown: 'the Vulkan loader named no device' });
    });
  });
}

let probed: Promise<ProbeResult> | undefined;

/** This machine's WebGPU adapter on Linux, probed once per process; undefined elsewhere (no probe there). */
export function webgpuAdapter(
  platform: NodeJS.Platform = process.platform,
): Promise<ProbeResult> | undefined {
  if (platform !== 'linux') return undefined;
  probed ??= probeWebgpuAdapter();
  return probed;
}

/** Kernel device nodes a hardware GPU shows on Linux (DRM render nodes, NVIDIA's, WSL's /dev/dxg). */
export function gpuDeviceNodes(list: (dir: string) => string[] = safeList): string[] {
  const dri = list('/dev/dri')
    .filter((n) => n.startsWith('renderD'))
    .map((n) => `/dev/dri/${n}`);
  const dev = list('/dev')
    .filter((n) => /^nvidia\d+$/.test(n) || n === 'dxg')
    .map((n) => `/dev/${n}`);
  return [...dri, ...dev];
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
