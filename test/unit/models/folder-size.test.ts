// Size budgets: the bundled model folder stays within 25 MB, each test fixture under 2 MB.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelFolders } from '../../support/model-folder';

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => statSync(join(dir, f)))
    .filter((s) => s.isFile())
    .reduce((sum, s) => sum + s.size, 0);
}

test('model folders stay within their size budgets', () => {
  for (const { name, dir } of modelFolders()) {
    const limit = name === 'glassbox-tiny' ? 25 * 2 ** 20 : 2 * 2 ** 20;
    const bytes = folderBytes(dir);
    assert.ok(bytes > 100_000, `${name} is suspiciously small (${bytes} bytes)`);
    assert.ok(bytes <= limit, `${name}: ${bytes} bytes > ${limit}`);
  }
});
