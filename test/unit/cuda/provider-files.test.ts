// The mirrored CUDA provider table agrees with the installed onnxruntime-node's own install metadata and bin folder.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ortBinaryDir } from '../../../src/engine/model/session';
import {
  cudaProviderFiles,
  missingProviderFiles,
  NUGET_FEED,
  noCudaHere,
  ORT_VERSION,
  ortBinDir,
} from '../../../src/cuda/provider-files';
import { repoRoot } from '../../support/model-folder';

const ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
const fromOrt = createRequire(join(ortDir, 'package.json'));

interface Metadata {
  requirements: Record<string, string[]>;
  manifests: Record<string, Record<string, { package: string; path: string }>>;
  packages: Record<string, { name: string; versions: { feed: string; version: string }[] }>;
  feeds: Record<string, { type: string; index: string }>;
}
const metadata = fromOrt('./script/install-metadata.js') as Metadata;

test('the version is the one package.json pins and the installed onnxruntime-node has', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.equal(pkg.dependencies['onnxruntime-node'], ORT_VERSION);
  assert.equal(
    (JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8')) as { version: string }).version,
    ORT_VERSION,
  );
  const versions = fromOrt('./script/install-metadata-versions.js') as {
    nuget: { feed: string; version: string }[];
  };
  assert.deepEqual(versions.nuget, [{ feed: 'nuget', version: ORT_VERSION }]);
  assert.equal(metadata.feeds.nuget?.index, NUGET_FEED);
});

test('every platform install-metadata.js installs CUDA for has the same package, files and paths here', () => {
  const platforms = ['linux/x64', 'linux/arm64', 'win32/x64', 'win32/arm64', 'darwin/x64', 'darwin/arm64'];
  assert.deepEqual(Object.keys(metadata.requirements).sort(), [...platforms].sort());
  for (const platform of platforms) {
    const [os, arch] = platform.split('/') as [NodeJS.Platform, string];
    const mirrored = cudaProviderFiles(os, arch);
    const names = metadata.requirements[platform] ?? [];
    if (names.length === 0) {
      assert.equal(mirrored, undefined, `${platform}: install-metadata.js installs nothing there`);
      continue;
    }
    assert.deepEqual(names, ['cuda12'], `${platform}: one CUDA manifest`);
    const manifest = metadata.manifests[`${platform}:cuda12`] ?? {};
    const packageKeys = new Set(Object.values(manifest).map((f) => f.package));
    assert.equal(packageKeys.size, 1);
    const pkg = metadata.packages[[...packageKeys][0] as string];
    assert.ok(mirrored, `${platform}: install-metadata.js installs CUDA there, the mirror must too`);
    assert.equal(mirrored.id, pkg?.name);
    assert.deepEqual(
      mirrored.files.map((f) => [`./${f.file}`, f.pathInPackage]).sort(),
      Object.entries(manifest)
        .map(([file, f]) => [file, f.path])
        .sort(),
    );
  }
});

test('ortBinDir() is the engine session folder, found without loading onnxruntime-node', () => {
  assert.equal(ortBinDir(), ortBinaryDir());
  assert.ok(readFileSync(join(ortBinDir('linux', 'x64'), 'libonnxruntime.so.1')).length > 0);
});

test('missingProviderFiles names exactly the files a bin folder lacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-cuda-files-'));
  try {
    const pkg = cudaProviderFiles('linux', 'x64');
    assert.ok(pkg);
    assert.deepEqual(missingProviderFiles(dir, pkg), [
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
      'libonnxruntime_providers_tensorrt.so',
    ]);
    writeFileSync(join(dir, 'libonnxruntime_providers_shared.so'), 'x');
    assert.deepEqual(missingProviderFiles(dir, pkg), [
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_tensorrt.so',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no CUDA provider outside linux/x64 is said with what to use instead', () => {
  assert.match(noCudaHere('win32', 'x64'), /no CUDA provider for win32\/x64.*DirectML/);
  assert.match(noCudaHere('darwin', 'arm64'), /CoreML/);
});
