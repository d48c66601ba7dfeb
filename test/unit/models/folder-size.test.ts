// Size budgets: the bundled model folder stays within 25 MB, each test fixture under 2 MB, the Hub fixtures 32 MB.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hubFixtures } from '../../support/hub-fixtures';
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

test('the Hub-layout fixtures stay small: each under 7 MB (one folder holds seven variants), all under 32 MB', () => {
  const sizes = hubFixtures().map((f) => ({ name: f.name, bytes: folderBytes(f.dir) }));
  assert.ok(sizes.length >= 9, `${sizes.length} Hub fixtures`);
  for (const { name, bytes } of sizes) assert.ok(bytes <= 7 * 2 ** 20, `${name}: ${bytes} bytes`);
  const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
  assert.ok(total <= 32 * 2 ** 20, `the Hub fixtures hold ${total} bytes`);
});
