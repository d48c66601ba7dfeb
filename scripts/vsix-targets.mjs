// The VSIX targets: vsce's platform names, the onnxruntime-node binary folder of each, this machine's, file names.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The platforms one VSIX each is packaged for (vsce `--target` names: `${process.platform}-${process.arch}`). */
export const TARGETS = ['linux-x64', 'linux-arm64', 'win32-x64', 'win32-arm64', 'darwin-x64', 'darwin-arm64'];

/** Where onnxruntime-node keeps its native binaries, one folder per platform/arch below it. */
export const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

/**
 * The target VS Code installs on this platform and architecture (a `process.platform`, `process.arch` pair).
 * @param {string} [platform]
 * @param {string} [arch]
 */
export function targetOf(platform = process.platform, arch = process.arch) {
  const target = `${platform}-${arch}`;
  if (!TARGETS.includes(target)) {
    throw new Error(`Glassbox has no VSIX for ${platform}/${arch} (targets: ${TARGETS.join(', ')})`);
  }
  return target;
}

/**
 * onnxruntime-node's binary folder for a target, relative to the repository (the binding loads
 * `bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`).
 * @param {string} target
 */
export function ortFolder(target) {
  const [platform, arch] = target.split('-');
  return `${ORT_BIN}/${platform}/${arch}`;
}

/**
 * Whether the installed onnxruntime-node ships binaries for a target (1.30.0 has none for darwin-x64).
 * @param {string} target
 */
export function hasOrtBinaries(target) {
  return existsSync(join(root, ortFolder(target), 'onnxruntime_binding.node'));
}

/**
 * The package file of a target: glassbox-<target>.vsix in the repository root.
 * @param {string} target
 */
export function vsixPath(target) {
  return join(root, `glassbox-${target}.vsix`);
}
