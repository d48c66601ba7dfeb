// Integration tests in a real VS Code: packages the VSIX, installs code-server if needed, runs test/integration/*.test.ts
// (`node scripts/run-integration-tests.mjs lm chat`: only the files whose names contain one of the words).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './code-server.mjs';
import { SCREENSHOT_FONTS, ensureDebianPackages } from './ensure-deps.mjs';
import { packageVsix } from './package-vsix.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const files = readdirSync(join(root, 'test', 'integration'))
  .filter((f) => f.endsWith('.test.ts') && (only.length === 0 || only.some((w) => f.includes(w))))
  .map((f) => join('test', 'integration', f));
if (files.length === 0) throw new Error(`no integration test file matches ${only.join(', ')}`);
ensureDebianPackages(['chromium', ...SCREENSHOT_FONTS]);
const vsix = packageVsix();
ensureCodeServer();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, GLASSBOX_VSIX: vsix } },
);
process.exit(r.status ?? 1);
