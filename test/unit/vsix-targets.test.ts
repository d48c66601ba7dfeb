// Per-platform VSIX packages: target names, each target's ignore lines, and the check every packaged VSIX must pass.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RUNTIME_FILES, vsixProblems } from '../../scripts/vsix-check.mjs';
import { targetIgnoreLines } from '../../scripts/vsix-ignore.mjs';
import {
  TARGETS,
  hasOrtBinaries,
  ortFolder,
  root as repoRoot,
  targetOf,
} from '../../scripts/vsix-targets.mjs';

const manifest = (target: string) =>
  `<?xml version="1.0"?><PackageManifest><Metadata><Identity Language="en-US" Id="glassbox" Version="0.1.0" ` +
  `Publisher="glassbox" TargetPlatform="${target}"/></Metadata></PackageManifest>`;

/** A VSIX listing: its entry names, and the text of the entries given (the manifest). */
function vsix(names: string[], texts: Record<string, string> = {}) {
  return { names, text: (name: string) => texts[name] };
}

const LINUX_X64 = [
  'extension.vsixmanifest',
  ...RUNTIME_FILES,
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
];
const linuxTexts = { 'extension.vsixmanifest': manifest('linux-x64') };

test('targets are process.platform-process.arch, and other platforms have none', () => {
  assert.equal(targetOf('linux', 'x64'), 'linux-x64');
  assert.equal(targetOf('win32', 'arm64'), 'win32-arm64');
  assert.equal(targetOf('darwin', 'arm64'), 'darwin-arm64');
  assert.throws(() => targetOf('freebsd', 'x64'), /no VSIX for freebsd\/x64/);
  assert.throws(() => targetOf('win32', 'ia32'), /no VSIX for win32\/ia32/);
  assert.equal(ortFolder('win32-arm64'), 'node_modules/onnxruntime-node/bin/napi-v6/win32/arm64');
});

test("each target's ignore lines leave out every other platform's binaries and the bundled packages", () => {
  for (const target of TARGETS.filter(hasOrtBinaries)) {
    const lines = targetIgnoreLines(target);
    const others = TARGETS.filter((t) => t !== target && hasOrtBinaries(t));
    for (const other of others)
      assert.ok(lines.includes(`${ortFolder(other)}/**`), `${target} leaves out ${other}`);
    assert.ok(!lines.some((l) => l.startsWith(ortFolder(target))), `${target} keeps its own binaries`);
    // esbuild bundles protobufjs into dist/; onnxruntime-node loads onnxruntime-common at run time
    assert.ok(lines.includes('node_modules/protobufjs/**'));
    assert.ok(lines.includes('!node_modules/protobufjs/LICENSE'), 'the licence of bundled code still ships');
    assert.ok(!lines.some((l) => l.includes('onnxruntime-common')));
    // onnxruntime-node's install script and the packages only it requires: Install CUDA Support replaces it
    assert.ok(lines.includes('node_modules/onnxruntime-node/script/**'));
    assert.ok(lines.includes('node_modules/global-agent/**'));
    assert.ok(!lines.includes('!node_modules/global-agent/LICENSE'), 'global-agent is not bundled either');
    // from the root, only what the extension uses: sources, tools and any scratch folder stay out
    for (const out of ['src/**', 'scripts/**', '.tools/**', 'models/recipe/**', 'package-lock.json']) {
      if (existsSync(join(repoRoot, out.replace('/**', ''))))
        assert.ok(lines.includes(out), `${target}: ${out}`);
    }
    assert.ok(
      !lines.some((l) => /^(dist|media|models\/glassbox-tiny|README\.md|LICENSE|package\.json)\b/.test(l)),
    );
  }
});

test('a VSIX with its runtime files, its TargetPlatform and its own binaries passes', () => {
  assert.deepEqual(vsixProblems(vsix(LINUX_X64, linuxTexts), 'linux-x64'), []);
});

test("another platform's binaries, a missing library or a wrong TargetPlatform are caught", () => {
  const foreign = [
    ...LINUX_X64,
    'extension/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll',
  ];
  assert.deepEqual(vsixProblems(vsix(foreign, linuxTexts), 'linux-x64'), [
    "another platform's binary: extension/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll",
  ]);
  const stray = [...LINUX_X64, 'extension/node_modules/some-addon/build/Release/addon.node'];
  assert.match(vsixProblems(vsix(stray, linuxTexts), 'linux-x64').join('\n'), /addon\.node/);
  const missing = LINUX_X64.filter((n) => !n.endsWith('libonnxruntime.so.1'));
  assert.deepEqual(vsixProblems(vsix(missing, linuxTexts), 'linux-x64'), [
    'missing extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  ]);
  const wrong = { 'extension.vsixmanifest': manifest('linux-arm64') };
  assert.match(
    vsixProblems(vsix(LINUX_X64, wrong), 'linux-x64').join('\n'),
    /does not name TargetPlatform "linux-x64"/,
  );
  const universal = {
    'extension.vsixmanifest': manifest('linux-x64').replace(' TargetPlatform="linux-x64"', ''),
  };
  assert.match(vsixProblems(vsix(LINUX_X64, universal), 'linux-x64')[0] ?? '', /TargetPlatform/);
  const scratch = [...LINUX_X64, 'extension/.gpu/run.sh', 'extension/src/host/extension.ts'];
  assert.deepEqual(vsixProblems(vsix(scratch, linuxTexts), 'linux-x64'), [
    'a file the extension does not use: extension/.gpu/run.sh',
    'a file the extension does not use: extension/src/host/extension.ts',
  ]);
  const noModel = LINUX_X64.filter((n) => !n.endsWith('model.onnx'));
  assert.deepEqual(vsixProblems(vsix(noModel, linuxTexts), 'linux-x64'), [
    'missing extension/models/glassbox-tiny/onnx/model.onnx',
  ]);
});

test('darwin ships libonnxruntime.1.dylib once, not its versioned copy', () => {
  const folder = 'extension/node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/';
  const names = [
    'extension.vsixmanifest',
    ...RUNTIME_FILES,
    `${folder}onnxruntime_binding.node`,
    `${folder}libonnxruntime.1.dylib`,
  ];
  const texts = { 'extension.vsixmanifest': manifest('darwin-arm64') };
  assert.deepEqual(vsixProblems(vsix(names, texts), 'darwin-arm64'), []);
  const twice = [...names, `${folder}libonnxruntime.1.30.0.dylib`];
  assert.match(vsixProblems(vsix(twice, texts), 'darwin-arm64')[0] ?? '', /second copy/);
});

test('packages nothing loads at run time are caught; licence files are not', () => {
  const extra = [
    ...LINUX_X64,
    'extension/node_modules/protobufjs/index.js',
    'extension/node_modules/long/LICENSE',
    'extension/node_modules/serialize-error/node_modules/type-fest/index.js',
    'extension/node_modules/onnxruntime-node/script/install.js',
  ];
  assert.deepEqual(vsixProblems(vsix(extra, linuxTexts), 'linux-x64'), [
    'a package nothing loads at run time: node_modules/protobufjs',
    'a package nothing loads at run time: node_modules/serialize-error/node_modules/type-fest',
    "onnxruntime-node's install script, which nothing runs: extension/node_modules/onnxruntime-node/script/install.js",
  ]);
});
