// elfLinks reads DT_NEEDED and DT_RUNPATH as the loader does: a synthetic ELF, and readelf's view of a real library.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { elfLinks } from '../../../src/cuda/elf-needed';
import { ortBinDir } from '../../../src/cuda/provider-files';
import { elfWithNeeded } from '../../support/elf-writer';

const dir = mkdtempSync(join(tmpdir(), 'glassbox-elf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** readelf -d's NEEDED and RUNPATH of a file, or undefined without binutils. */
function readelf(path: string): { needed: string[]; runpath: string[] } | undefined {
  const r = spawnSync('readelf', ['-d', path], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map(
    (m) => m[1] as string,
  );
  const runpath = [
    ...r.stdout.matchAll(/\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]/g),
  ].flatMap((m) => (m[1] as string).split(':'));
  return { needed, runpath };
}

test('a synthetic provider library: its needed libraries in order and its runpath', (t) => {
  const file = join(dir, 'libprovider.so');
  const needed = ['libcublasLt.so.12', 'libcublas.so.12', 'libcudart.so.12', 'libcuda.so.1', 'libc.so.6'];
  writeFileSync(file, elfWithNeeded(needed, '$ORIGIN:/opt/cuda/lib64'));
  assert.deepEqual(elfLinks(file), { needed, runpath: ['$ORIGIN', '/opt/cuda/lib64'] });
  const reference = readelf(file);
  if (!reference) return t.diagnostic('readelf not on PATH: the synthetic file is not cross-checked');
  assert.deepEqual(reference, { needed, runpath: ['$ORIGIN', '/opt/cuda/lib64'] });
});

test("onnxruntime-node's own libonnxruntime.so.1 reads as readelf reads it", (t) => {
  const file = join(ortBinDir('linux', 'x64'), 'libonnxruntime.so.1');
  const links = elfLinks(file);
  assert.ok(links);
  assert.ok(links.needed.includes('libc.so.6'), JSON.stringify(links));
  const reference = readelf(file);
  if (!reference) return t.diagnostic('readelf not on PATH: only the reader itself ran');
  assert.deepEqual(links, reference);
});

test('a file that is no 64-bit ELF, or no file, reads as undefined', () => {
  const text = join(dir, 'not-elf.so');
  writeFileSync(text, 'INPUT(-lfoo)\n'); // a linker script, as some lib*.so are
  assert.equal(elfLinks(text), undefined);
  assert.equal(elfLinks(join(dir, 'absent.so')), undefined);
});
