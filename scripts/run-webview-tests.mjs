// Runs every test/webview/*.test.ts (the panel in real Chromium) with node's test runner; installs Chromium when missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCREENSHOT_FONTS, ensureDebianPackages } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test', 'webview');
const chromium = process.env.GLASSBOX_CHROMIUM ?? '/usr/bin/chromium';

ensureDebianPackages([...(existsSync(chromium) ? [] : ['chromium']), ...SCREENSHOT_FONTS]);
if (!existsSync(chromium)) {
  console.error(`[test:webview] no Chromium at ${chromium} (set GLASSBOX_CHROMIUM to another binary)`);
  process.exit(1);
}

if (!existsSync(join(root, 'dist', 'webview.js'))) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const files = readdirSync(dir)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => relative(root, join(dir, name)))
  .sort();

if (files.length === 0) {
  console.error('[test:webview] no test/webview/*.test.ts files found');
  process.exit(1);
}

// One file at a time: each drives its own Chromium. Extra arguments pass through (--test-name-pattern=...).
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', ...process.argv.slice(2), ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
