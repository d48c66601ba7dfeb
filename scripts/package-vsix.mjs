// Builds the production bundles and packages glassbox.vsix (npm start and the integration tests install it).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Returns the path of the packaged VSIX. */
export function packageVsix() {
  ensureNodeModules();
  const out = join(root, 'glassbox.vsix');
  const r = spawnSync('npm', ['run', 'package', '--', '--out', out], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`npm run package exited with ${r.status}`);
  return out;
}
