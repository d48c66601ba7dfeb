// Model folder errors name the file and the file system's real cause: a file given as the folder, a link loop, a folder
// where a file should be, a dangling link; permission errors (not testable as root) through the same mapping.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fsReason } from '../../../src/engine/model/file-access';
import { loadModelFolder, ModelFolderError } from '../../../src/engine/model/model-folder';
import { fixturesDir } from '../../support/model-folder';

const tmp = mkdtempSync(join(tmpdir(), 'glassbox-access-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function copy(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp, name);
  cpSync(join(fixturesDir, 'llama-mha'), dir, { recursive: true });
  edit(dir);
  return dir;
}

function fails(dir: string, code: string, message: RegExp): void {
  assert.throws(
    () => loadModelFolder(dir),
    (e: unknown) => {
      assert.ok(e instanceof ModelFolderError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

test('a file given as the model folder says so (not "does not exist")', () => {
  fails(
    join(fixturesDir, 'llama-mha', 'config.json'),
    'unreadable',
    /config\.json is a file, not a model folder/,
  );
});

test('config.json as a symbolic link loop says it loops (not "is missing")', () => {
  const dir = copy('loop', (d) => {
    unlinkSync(join(d, 'config.json'));
    symlinkSync(join(d, 'config.json'), join(d, 'config.json'));
  });
  fails(dir, 'unreadable', /config\.json is a symbolic link that loops/);
});

test('a folder where tokenizer.json should be says so; a dangling link is missing', () => {
  const folder = copy('dir-file', (d) => {
    unlinkSync(join(d, 'tokenizer.json'));
    mkdirSync(join(d, 'tokenizer.json'));
  });
  fails(folder, 'unreadable', /tokenizer\.json is a folder, not a file/);
  const dangling = copy('dangling', (d) => {
    unlinkSync(join(d, 'tokenizer.json'));
    symlinkSync(join(d, 'nowhere.json'), join(d, 'tokenizer.json'));
  });
  fails(dangling, 'missing-file', /tokenizer\.json is missing/);
  const onnx = copy('onnx-dir', (d) => {
    unlinkSync(join(d, 'onnx', 'model.onnx'));
    mkdirSync(join(d, 'onnx', 'model.onnx'));
  });
  fails(onnx, 'unreadable', /onnx\/model\.onnx is a folder, not a file/);
});

test('each file system cause has its own words (permission denied is not "missing")', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(fsReason(err('EACCES')), 'cannot be read: permission denied');
  assert.equal(fsReason(err('EPERM')), 'cannot be read: permission denied');
  assert.equal(fsReason(err('ELOOP')), 'is a symbolic link that loops');
  assert.equal(fsReason(err('ENOENT')), 'does not exist');
  assert.match(fsReason(err('EIO')), /cannot be read \(EIO\)/);
});
