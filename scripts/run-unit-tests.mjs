// Runs every test/unit/**/*.test.ts with node's built-in test runner (tsx loader); expands the glob itself.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLavapipe } from './ensure-deps.mjs';

// the WebGPU tests run on Mesa's software Vulkan device where there is no GPU
console.log(`[test:unit] lavapipe: ${ensureLavapipe()}`);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test', 'unit');

const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => relative(root, join(dir, name)))
  .sort();

if (files.length === 0) {
  console.error('[test:unit] no test/unit/**/*.test.ts files found');
  process.exit(1);
}

// Extra arguments pass through, e.g. `npm run test:unit -- --test-name-pattern=ping`.
const args = ['--import', 'tsx', '--test', ...process.argv.slice(2), ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
