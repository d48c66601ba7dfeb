// A target's ignore file for `vsce package --ignoreFile`: .vscodeignore, other platforms' ORT binaries, unused packages.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ORT_BIN, ortFolder, root } from './vsix-targets.mjs';

const LICENCE = /^(licen[cs]e|notice|copying)(\.[a-z]+)?$/i;

/** What ships from the repository root and from models/; anything else there (sources, tools, scratch) stays out. */
const SHIPPED = ['dist', 'media', 'models', 'node_modules', 'package.json', 'README.md', 'LICENSE'];
const SHIPPED_MODELS = ['glassbox-tiny'];

/** @param {string} dir @returns {Record<string, string>} */
function dependenciesOf(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { ...manifest.dependencies, ...manifest.optionalDependencies };
}

/**
 * The folder Node resolves package `name` to from package folder `from` (its node_modules, then its parents').
 * @param {string} from
 * @param {string} name
 */
function resolvePackage(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/**
 * Package folders reachable from `starts` through dependencies (and installed optional dependencies), `starts` included.
 * @param {string[]} starts
 */
function closure(starts) {
  const seen = new Set(starts);
  const queue = [...starts];
  for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
    for (const name of Object.keys(dependenciesOf(dir))) {
      const found = resolvePackage(dir, name);
      if (found && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return seen;
}

/**
 * The lines a target adds to .vscodeignore. The bundles (dist/) load only onnxruntime-node at run time, which loads
 * onnxruntime-common; esbuild bundled every other production dependency, so their node_modules copies stay out
 * (but for their licence files).
 * @param {string} target
 */
export function targetIgnoreLines(target) {
  const ort = join(root, 'node_modules', 'onnxruntime-node');
  const common = resolvePackage(ort, 'onnxruntime-common');
  if (!common) throw new Error('onnxruntime-common is not installed (run npm ci)');
  // not onnxruntime-node's other dependencies: its install script needs them, and nothing runs that script (Install
  // CUDA Support, src/cuda, fetches the CUDA provider files)
  const keep = new Set([ort, ...closure([common])]);
  const production = closure([root]);
  production.delete(root);
  const unused = [...production].filter((dir) => !keep.has(dir)).sort();
  const path = (/** @type {string} */ dir) => relative(root, dir).replaceAll('\\', '/');
  // the other dependencies' code is bundled into dist/, so their licence files still ship
  const others = Object.keys(dependenciesOf(root)).filter((name) => name !== 'onnxruntime-node');
  const bundled = closure(others.flatMap((name) => resolvePackage(root, name) ?? []));
  const licences = unused
    .filter((dir) => bundled.has(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((file) => LICENCE.test(file))
        .map((file) => `!${path(dir)}/${file}`),
    );
  const otherPlatforms = readdirSync(join(root, ORT_BIN))
    .flatMap((platform) =>
      readdirSync(join(root, ORT_BIN, platform)).map((arch) => `${ORT_BIN}/${platform}/${arch}`),
    )
    .filter((folder) => folder !== ortFolder(target))
    .map((folder) => `${folder}/**`)
    .sort();
  // vsce takes every file under the root that the ignore file does not name, git-ignored ones included
  /** @type {(dir: string, shipped: string[]) => string[]} */
  const strays = (dir, shipped) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((e) => !shipped.includes(e.name))
      .map((e) => path(join(root, dir, e.name)) + (e.isDirectory() ? '/**' : ''));
  return [
    ...[...strays('.', SHIPPED), ...strays('models', SHIPPED_MODELS)].sort(),
    ...otherPlatforms,
    'node_modules/onnxruntime-node/script/**',
    ...unused.map((dir) => `${path(dir)}/**`),
    ...licences,
  ];
}

/**
 * Writes .vscodeignore plus the target's lines to a fresh temporary file (vsce reads only the file it is given).
 * @param {string} target
 */
export function writeTargetIgnoreFile(target) {
  const file = join(mkdtempSync(join(tmpdir(), 'glassbox-vsix-')), `${target}.vscodeignore`);
  const base = readFileSync(join(root, '.vscodeignore'), 'utf8');
  const lines = targetIgnoreLines(target);
  writeFileSync(file, `${base.trimEnd()}\n\n# ${target} (scripts/vsix-ignore.mjs)\n${lines.join('\n')}\n`);
  return file;
}
