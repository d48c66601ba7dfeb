// Packages a fixture extension (test/integration/fixtures/<name>) as a VSIX with vsce: code-server's
// --install-extension takes a VSIX file or a Marketplace id, not a folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './workbench';

export function packageFixtureExtension(name: string, outDir: string): string {
  const out = join(outDir, `${name}.vsix`);
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = ['package', '--allow-missing-repository', '--skip-license', '--no-dependencies', '--out', out];
  const r = spawnSync(process.execPath, [vsce, ...args], {
    cwd: join(import.meta.dirname, 'fixtures', name),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `vsce package ${name}: ${r.stdout}${r.stderr}`);
  return out;
}
