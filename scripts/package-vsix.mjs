// Packages glassbox-<target>.vsix with vsce, one per platform, and checks each (npm start and the integration tests
// install this machine's). `node scripts/package-vsix.mjs [--all | TARGET...]`: this machine's target by default.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureNodeModules } from './ensure-deps.mjs';
import { checkVsix } from './vsix-check.mjs';
import { writeTargetIgnoreFile } from './vsix-ignore.mjs';
import { TARGETS, hasOrtBinaries, ortFolder, root, targetOf, vsixPath } from './vsix-targets.mjs';

/** vsce's command line (the `vsce` bin of @vscode/vsce). */
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

function ortVersion() {
  return JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8'))
    .version;
}

/**
 * Packages each target into glassbox-<target>.vsix and checks what it holds (vsix-check.mjs); returns the paths.
 * `vsce package` runs vscode:prepublish (the production build, ~2 s) every time: vsce 3.9 has no flag to skip it.
 * @param {string[]} targets
 */
export function packageTargets(targets) {
  ensureNodeModules();
  return targets.map((target) => {
    if (!hasOrtBinaries(target)) {
      throw new Error(
        `onnxruntime-node ${ortVersion()} ships no binaries for ${target} (no ${ortFolder(target)})`,
      );
    }
    const ignoreFile = writeTargetIgnoreFile(target);
    const out = vsixPath(target);
    try {
      const args = ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out];
      args.push('--allow-missing-repository', '--no-rewrite-relative-links');
      const r = spawnSync(process.execPath, [vsce, ...args], { cwd: root, stdio: 'inherit' });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`vsce package --target ${target} exited with ${r.status}`);
    } finally {
      rmSync(dirname(ignoreFile), { recursive: true, force: true });
    }
    const files = checkVsix(out, target);
    console.log(`[package] ${basename(out)}: ${files} files, only ${target}'s onnxruntime-node binaries`);
    return out;
  });
}

/** Packages this machine's target (process.platform-process.arch) and returns the VSIX's path. */
export function packageVsix() {
  const [out] = packageTargets([targetOf()]);
  if (!out) throw new Error('nothing was packaged');
  return out;
}

/** @param {number} bytes */
function megabytes(bytes) {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function main() {
  const args = process.argv.slice(2);
  let targets = args.filter((a) => !a.startsWith('--'));
  if (args.includes('--all')) {
    targets = TARGETS.filter((t) => hasOrtBinaries(t));
    for (const t of TARGETS.filter((t) => !hasOrtBinaries(t))) {
      console.log(`[package] skipping ${t}: onnxruntime-node ${ortVersion()} ships no binaries for it`);
    }
  } else if (targets.length === 0) {
    targets = [targetOf()];
  }
  for (const t of targets)
    if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (${TARGETS.join(', ')})`);
  const outs = packageTargets(targets);
  console.log('');
  for (const out of outs) {
    const bytes = statSync(out).size;
    console.log(
      `${basename(out).padEnd(30)} ${megabytes(bytes).padStart(9)}  (${bytes.toLocaleString('en')} bytes)`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (e) {
    console.error(`[package] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
