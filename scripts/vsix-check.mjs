// What a target's VSIX must hold: its TargetPlatform, the files the extension runs on, only its own ORT binaries.
import { ortFolder } from './vsix-targets.mjs';
import { readZip } from './vsix-zip.mjs';

/** Files the extension loads at run time, as the VSIX holds them (vsce puts the extension under extension/). */
export const RUNTIME_FILES = [
  'package.json',
  'dist/extension.js',
  'dist/engine.js',
  'dist/cli.js',
  'dist/webview.js',
  'dist/webview.css',
  'dist/codicon.css',
  'dist/codicon.ttf',
  'media/glassbox.svg',
  'models/glassbox-tiny/config.json',
  'models/glassbox-tiny/generation_config.json',
  'models/glassbox-tiny/tokenizer.json',
  'models/glassbox-tiny/tokenizer_config.json',
  'models/glassbox-tiny/onnx/model.onnx',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist/index.js',
  'node_modules/onnxruntime-node/dist/binding.js',
  'node_modules/onnxruntime-common/package.json',
  'node_modules/onnxruntime-common/dist/cjs/package.json',
  'node_modules/onnxruntime-common/dist/cjs/index.js',
].map((f) => `extension/${f}`);

/** The ONNX Runtime library the binding links to, per platform. @type {Record<string, string>} */
const ORT_LIBRARY = {
  linux: 'libonnxruntime.so.1',
  win32: 'onnxruntime.dll',
  darwin: 'libonnxruntime.1.dylib',
};

/** Where a VSIX's files may be: vsce's two records, and under extension/ what vsix-ignore.mjs ships. */
const PLACES =
  /^(extension\.vsixmanifest|\[Content_Types\]\.xml|extension\/(package\.json|readme\.md|LICENSE\.txt|(dist|media|models\/glassbox-tiny|node_modules)\/.+))$/;

const NATIVE = /\.(node|dll|dylib|so(\.\d+)*)$/;
const LICENCE = /\/(licen[cs]e|notice|copying)(\.[a-z]+)?$/i;

/**
 * The package an entry belongs to (`node_modules/a/node_modules/@s/b` for a nested scoped one), or undefined.
 * @param {string} name
 */
function packageOf(name) {
  const match = /^extension\/((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(name);
  return match?.[1]?.slice(0, -1);
}

/**
 * Everything wrong with a target's VSIX; empty when it is right. Only onnxruntime-node and onnxruntime-common may ship
 * code from node_modules (other packages only their licence files: esbuild bundled their code into dist/).
 * @param {{ names: string[], text: (name: string) => string | undefined }} vsix
 * @param {string} target
 */
export function vsixProblems(vsix, target) {
  const problems = [];
  const names = new Set(vsix.names);
  const identity = /<Identity\b[^>]*>/.exec(vsix.text('extension.vsixmanifest') ?? '')?.[0] ?? '';
  if (!identity.includes(` TargetPlatform="${target}"`)) {
    problems.push(
      `extension.vsixmanifest does not name TargetPlatform "${target}": ${identity || 'no Identity'}`,
    );
  }
  const folder = `extension/${ortFolder(target)}/`;
  const platform = target.split('-')[0] ?? '';
  const needed = [...RUNTIME_FILES, `${folder}onnxruntime_binding.node`, `${folder}${ORT_LIBRARY[platform]}`];
  for (const file of needed) if (!names.has(file)) problems.push(`missing ${file}`);
  for (const name of vsix.names) {
    if (!PLACES.test(name)) problems.push(`a file the extension does not use: ${name}`);
    if (
      (NATIVE.test(name) || name.startsWith('extension/node_modules/onnxruntime-node/bin/')) &&
      !name.startsWith(folder)
    ) {
      problems.push(`another platform's binary: ${name}`);
    } else if (/\/libonnxruntime\.\d+\.\d+\.\d+\.dylib$/.test(name)) {
      problems.push(`a second copy of libonnxruntime.1.dylib (the binding loads only that one): ${name}`);
    }
  }
  const allowed = new Set(['node_modules/onnxruntime-node', 'node_modules/onnxruntime-common']);
  const unneeded = new Set(
    vsix.names
      .filter((n) => !LICENCE.test(n))
      .flatMap((n) => packageOf(n) ?? [])
      .filter((p) => !allowed.has(p)),
  );
  for (const pkg of unneeded) problems.push(`a package nothing loads at run time: ${pkg}`);
  const script = vsix.names.find((n) => n.startsWith('extension/node_modules/onnxruntime-node/script/'));
  if (script) problems.push(`onnxruntime-node's install script, which nothing runs: ${script}`);
  return problems;
}

/**
 * Opens a packaged VSIX and throws, listing every problem, unless it is right for its target.
 * @param {string} file
 * @param {string} target
 */
export function checkVsix(file, target) {
  const vsix = readZip(file);
  const problems = vsixProblems(vsix, target);
  if (problems.length > 0) throw new Error(`${file} is not right for ${target}:\n  ${problems.join('\n  ')}`);
  return vsix.names.length;
}
