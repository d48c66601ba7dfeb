// The layer rules in eslint.config.mjs fire: each forbidden import, linted as if it were in that folder, is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../support/model-folder';

const eslint = new ESLint({ cwd: repoRoot });

/** The layer-rule messages ESLint gives `code` as the file at `path` (repo-relative). */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${path}` });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

const uses = (specifier: string, type = false) =>
  `import ${type ? 'type ' : ''}{ x } from '${specifier}';\nexport const y: unknown = ${type ? 'null' : 'x'};\n`;

for (const [path, specifier, says] of [
  ['webview/chat/probe.ts', 'vscode', /Only the extension host/],
  ['webview/chat/probe.ts', 'node:fs', /runs in a browser/],
  ['webview/chat/probe.ts', 'path', /runs in a browser/],
  ['webview/chat/probe.ts', '../../src/host/config', /shares only src\/protocol/],
  ['src/engine/probe.ts', 'vscode', /Only the extension host/],
  ['src/engine/model/probe.ts', '../../host/config', /knows nothing of the extension host/],
  ['src/protocol/probe.ts', 'vscode', /Only the extension host/],
  ['src/protocol/probe.ts', './envelope', /imports nothing at run time/],
  ['src/cli/probe.ts', '../../bench/decode', /never imports bench/],
  ['src/host/chat/probe.ts', '../../../test/support/cli', /never imports bench\/ or test/],
  ['src/host/chat/probe.ts', '../../engine/engine-service', /only through a backend in src\/client/],
  ['src/client/probe.ts', 'vscode', /Only the extension host/],
  ['src/client/probe.ts', '../engine/engine-service', /never in process/],
  ['src/server/probe.ts', '../engine/engine-service', /through src\/client/],
  ['src/server/probe.ts', '../host/config', /not the extension host/],
  ['src/hub/probe.ts', 'vscode', /Only the extension host/],
  ['src/hub/probe.ts', '../engine/model/model', /Hub downloads do not load models/],
] as const) {
  test(`${path} may not import ${specifier}`, async () => {
    const errors = await layerErrors(path, uses(specifier));
    assert.ok(
      errors.some((e) => says.test(e)),
      `expected a layer error matching ${says}, got ${JSON.stringify(errors)}`,
    );
  });
}

test('what the layers allow passes: protocol type imports, the webview on protocol, the host on vscode', async () => {
  assert.deepEqual(await layerErrors('src/protocol/probe.ts', uses('./envelope', true)), []);
  assert.deepEqual(await layerErrors('webview/chat/probe.ts', uses('../../src/protocol/rank-buckets')), []);
  assert.deepEqual(await layerErrors('src/host/chat/probe.ts', uses('vscode')), []);
  assert.deepEqual(await layerErrors('src/host/chat/probe.ts', uses('../../../client/engine-client')), []);
  assert.deepEqual(await layerErrors('src/engine/probe.ts', uses('../protocol/checks')), []);
});
