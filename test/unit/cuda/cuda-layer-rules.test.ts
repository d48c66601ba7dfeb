// The src/cuda layer rule fires: plain Node only, importable by the host, the engine and the CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../../support/model-folder';

const eslint = new ESLint({ cwd: repoRoot });

async function layerErrors(path: string, specifier: string): Promise<string[]> {
  const code = `import { x } from '${specifier}';\nexport const y: unknown = x;\n`;
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${path}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

for (const [specifier, says] of [
  ['vscode', /Only the extension host/],
  ['../host/config', /CUDA support runs in Node alone/],
  ['../engine/model/session', /does not load onnxruntime-node/],
  ['../cli/args', /does not import the CLI/],
  ['../../test/support/zip-writer', /never imports bench\/ or test/],
] as const) {
  test(`src/cuda may not import ${specifier}`, async () => {
    const errors = await layerErrors('src/cuda/probe.ts', specifier);
    assert.ok(
      errors.some((e) => says.test(e)),
      `expected ${says}, got ${JSON.stringify(errors)}`,
    );
  });
}

test('the host, the engine and the CLI may import src/cuda', async () => {
  assert.deepEqual(await layerErrors('src/host/models/probe.ts', '../../cuda/install-cuda'), []);
  assert.deepEqual(await layerErrors('src/engine/model/probe.ts', '../../cuda/cuda-runtime'), []);
  assert.deepEqual(await layerErrors('src/cli/probe.ts', '../cuda/install-cuda'), []);
});
