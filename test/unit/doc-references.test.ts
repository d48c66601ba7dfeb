// Every document a source comment cites exists in the repository, and a cited section is a heading of that document.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/model-folder';

function sources(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs|cjs)$/.test(e.name) && !e.parentPath.includes('fixtures'))
    .map((e) => join(e.parentPath, e.name));
}

/** A Markdown file cited in a comment line, with the section when the citation names one in quotes after it. */
const CITATION = /([\w./-]+\.md)(?:, "([^"]+)")?/g;
const COMMENT = /^\s*(\/\/|\*|\/\*\*)/;

test('document references in source comments resolve', () => {
  const files = ['src', 'webview', 'scripts', 'bench', 'test'].flatMap(sources);
  files.push(join(repoRoot, 'eslint.config.mjs'));
  const citations: string[] = [];
  const broken: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!COMMENT.test(line)) return;
        for (const [, doc, section] of line.matchAll(CITATION)) {
          const where = `${relative(repoRoot, file)}:${i + 1}`;
          citations.push(where);
          const path = join(repoRoot, doc as string);
          if (!existsSync(path)) {
            broken.push(`${where} cites ${doc}, which is not in the repository`);
          } else if (section && !new RegExp(`^#+ ${section}$`, 'm').test(readFileSync(path, 'utf8'))) {
            broken.push(`${where} cites "${section}" in ${doc}, which has no such heading`);
          }
        }
      });
  }
  assert.deepEqual(broken, []);
  assert.ok(citations.length >= 3, `only ${citations.length} citations found: is the pattern still right?`);
});

test('the pattern catches a citation that does not resolve', () => {
  const line = '// see (docs/NOWHERE.md, "Layers")';
  const [match] = line.matchAll(CITATION);
  assert.equal(match?.[1], 'docs/NOWHERE.md');
  assert.equal(match?.[2], 'Layers');
  assert.ok(!existsSync(join(repoRoot, 'docs/NOWHERE.md')));
});
