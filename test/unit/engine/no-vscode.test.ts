// The engine and CLI stay free of VS Code: no source under src/engine or src/cli imports it, nor do their bundles.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../support/model-folder';

const importsVscode = /(?:from\s+|require\(\s*|import\(\s*)['"]vscode['"]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('no engine, CLI or protocol source imports vscode', () => {
  const files = ['engine', 'cli', 'protocol'].flatMap((d) => sources(join(repoRoot, 'src', d)));
  assert.ok(files.length > 20, `only ${files.length} sources found`);
  const offenders = files.filter((f) => importsVscode.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
  // the pattern itself catches the forms it is meant to
  for (const form of [
    "import * as vscode from 'vscode';",
    'const v = require("vscode");',
    "await import('vscode')",
  ]) {
    assert.match(form, importsVscode);
  }
});

test('the engine and CLI bundles do not require vscode', () => {
  for (const bundle of ['engine.js', 'cli.js']) {
    assert.doesNotMatch(
      readFileSync(join(repoRoot, 'dist', bundle), 'utf8'),
      /require\(["']vscode["']\)/,
      bundle,
    );
  }
});
