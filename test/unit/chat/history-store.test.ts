// Conversation files: round trips, interrupted writes, corrupt and stray files, two windows: history is never lost.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HistoryStore } from '../../../src/host/chat/history-store';
import type { Conversation } from '../../../src/protocol/panel-methods';

const root = mkdtempSync(join(tmpdir(), 'glassbox-history-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `h${n++}`);

function conversation(id: string, updatedAt: number, text = 'hello'): Conversation {
  return {
    id,
    title: text,
    createdAt: 1,
    updatedAt,
    messages: [
      { id: 'm1', role: 'user', content: text, createdAt: 1 },
      { id: 'm2', role: 'assistant', content: 'answer ✓ 🙂', state: 'done', createdAt: 2 },
    ],
  };
}

describe('history store', () => {
  test('saves and loads conversations; lists them newest first', async () => {
    const store = new HistoryStore(freshDir());
    assert.deepEqual(await store.list(), []);
    await store.save(conversation('a', 10));
    await store.save(conversation('b', 20, 'second'));
    assert.deepEqual(await store.load('a'), conversation('a', 10));
    assert.deepEqual(
      (await store.list()).map((s) => [s.id, s.messageCount]),
      [
        ['b', 2],
        ['a', 2],
      ],
    );
    await store.delete('a');
    assert.equal(await store.load('a'), undefined);
  });

  test('many overlapping saves of one conversation end with the last one', async () => {
    const store = new HistoryStore(freshDir());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(conversation('c', i, `v${i}`))));
    assert.equal((await store.load('c'))?.title, 'v19');
  });

  test('a write cut off before its rename leaves the previous file intact; the temp file is cleaned up', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    await store.save(conversation('d', 1, 'kept'));
    // what a crash between write and rename leaves behind: a partial temp file next to the real one, long ago
    const temp = join(dir, 'd.json.123.abcd1234.tmp');
    writeFileSync(temp, '{"id":"d","title":"half');
    const old = new Date(Date.now() - 60 * 60_000);
    utimesSync(temp, old, old);
    const fresh = new HistoryStore(dir);
    assert.deepEqual(
      (await fresh.list()).map((s) => s.title),
      ['kept'],
    );
    assert.deepEqual(readdirSync(dir), ['d.json']);
  });

  test('an unreadable file is set aside as .corrupt and reported; the others still list', async () => {
    const dir = freshDir();
    const logs: string[] = [];
    const store = new HistoryStore(dir, (m) => logs.push(m));
    await store.save(conversation('good', 1));
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    writeFileSync(join(dir, 'odd.json'), JSON.stringify({ id: 'odd', messages: 'no' }));
    assert.deepEqual(
      (await store.list()).map((s) => s.id),
      ['good'],
    );
    assert.ok(existsSync(join(dir, 'bad.json.corrupt')) && existsSync(join(dir, 'odd.json.corrupt')));
    assert.equal(logs.length, 2);
  });

  test(
    'stray files (sync conflicts, a folder, links, a FIFO) are skipped and reported once each',
    { timeout: 10_000 },
    async () => {
      const dir = freshDir();
      const logs: string[] = [];
      const store = new HistoryStore(dir, (m) => logs.push(m));
      await store.save(conversation('good', 1));
      const copy = JSON.stringify(conversation('good', 2, 'the other side'));
      const strays: Record<string, RegExp> = {
        // a sync tool's conflict copies: a name that is no conversation id, whatever they hold
        'x (conflicted copy).json': /not a conversation file name/,
        'good (conflicted copy 2).json': /not a conversation file name/,
        // a valid name holding another conversation (OneDrive-style "<name>-<machine>"): no duplicate in the list
        'good-DESKTOP.json': /holds conversation "good"/,
        'y.json': /not a regular file/,
        'loop.json': /could not be read.*ELOOP/,
        'gone.json': /link to nothing/,
      };
      writeFileSync(join(dir, 'x (conflicted copy).json'), '{ not json');
      writeFileSync(join(dir, 'good (conflicted copy 2).json'), copy);
      writeFileSync(join(dir, 'good-DESKTOP.json'), copy);
      mkdirSync(join(dir, 'y.json'));
      // unreadable: as root chmod 000 does not stop a read, so a link to itself (ELOOP) and a link to nothing stand in
      symlinkSync('loop.json', join(dir, 'loop.json'));
      symlinkSync('nowhere', join(dir, 'gone.json'));
      if (process.platform !== 'win32') {
        // reading a FIFO would wait forever for a writer
        execFileSync('mkfifo', [join(dir, 'pipe.json')]);
        strays['pipe.json'] = /not a regular file/;
      }
      assert.deepEqual(
        (await store.list()).map((s) => s.id),
        ['good'],
      );
      const parses = countParses();
      try {
        for (let i = 0; i < 2; i++) {
          assert.deepEqual(
            (await store.list()).map((s) => s.id),
            ['good'],
          );
        }
        // a stray read once is not read again while its stat stays the same
        assert.equal(parses.count, 0);
      } finally {
        parses.restore();
      }
      assert.equal(logs.length, Object.keys(strays).length, logs.join('\n'));
      for (const [name, reason] of Object.entries(strays)) {
        const line = logs.find((m) => m.includes(name));
        assert.ok(line, `${name} reported`);
        assert.match(line, reason);
      }
      // none of them is renamed or removed: they are not this store's to touch
      for (const name of Object.keys(strays)) assert.ok(readdirSync(dir).includes(name), name);
      // a stray that goes away and comes back is reported again
      rmSync(join(dir, 'x (conflicted copy).json'));
      await store.list();
      writeFileSync(join(dir, 'x (conflicted copy).json'), '{}');
      await store.list();
      assert.equal(logs.filter((m) => m.includes('x (conflicted copy).json')).length, 2);
    },
  );

  test('two windows on one folder: one saving while the other lists never makes a save fail', async () => {
    const dir = freshDir();
    const saver = new HistoryStore(dir);
    const lister = new HistoryStore(dir);
    const failures: string[] = [];
    let saving = true;
    const saves = (async () => {
      for (let i = 0; i < 200; i++) {
        await saver.save(conversation(`c${i % 5}`, i, `v${i}`)).catch((e: Error) => failures.push(e.message));
      }
      saving = false;
    })();
    let lists = 0;
    const listing = (async () => {
      while (saving) {
        await lister.list();
        lists++;
      }
    })();
    await Promise.all([saves, listing]);
    assert.deepEqual(failures, []);
    assert.ok(lists > 0);
    assert.deepEqual(readdirSync(dir).sort(), ['c0.json', 'c1.json', 'c2.json', 'c3.json', 'c4.json']);
    assert.equal((await lister.load('c4'))?.title, 'v199');
  });

  test('list() removes only stale temp files: an old one goes, a fresh one of another window stays', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    await store.save(conversation('a', 1));
    const stale = join(dir, 'a.json.4242.0badf00d.tmp');
    const fresh = join(dir, 'b.json.4242.c0ffee00.tmp');
    writeFileSync(stale, '{"id":"a"');
    writeFileSync(fresh, '{"id":"b"');
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(stale, old, old);
    assert.deepEqual(
      (await store.list()).map((s) => s.id),
      ['a'],
    );
    assert.ok(!existsSync(stale), 'the stale temp file is removed');
    assert.ok(existsSync(fresh), "another window's fresh temp file is kept");
  });

  test('a save that fails after writing its temp file removes it', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    // the rename cannot replace a folder
    mkdirSync(join(dir, 'a.json'), { recursive: true });
    await assert.rejects(store.save(conversation('a', 1)));
    assert.deepEqual(readdirSync(dir), ['a.json']);
  });

  test('an answer still marked streaming on disk (window closed mid-answer) loads as stopped', async () => {
    const store = new HistoryStore(freshDir());
    const c = conversation('s', 1);
    (c.messages[1] as { state: string }).state = 'streaming';
    await store.save(c);
    assert.equal((await store.load('s'))?.messages[1]?.state, 'stopped');
  });

  test('list() reads a file again only once its stat changed; files it already knows are not parsed', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    for (const id of ['a', 'b', 'c']) await store.save(conversation(id, 1, `first ${id}`));
    const parses = countParses();
    try {
      // saved by this store: listed from the index, no file read back
      assert.deepEqual((await store.list()).map((s) => s.title).sort(), ['first a', 'first b', 'first c']);
      assert.equal(parses.count, 0);
      // a fresh store (a new window) reads each file once, then not again
      const fresh = new HistoryStore(dir);
      await fresh.list();
      assert.equal(parses.count, 3);
      await fresh.list();
      await fresh.list();
      assert.equal(parses.count, 3);
    } finally {
      parses.restore();
    }
    // the same size, mtime and inode: the index is trusted, so the new content is not noticed (a whole-second
    // mtime, so that setting it back is exact)
    const file = join(dir, 'a.json');
    const second = new Date(2_000_000_000_000);
    utimesSync(file, second, second);
    assert.ok((await store.list()).some((s) => s.title === 'first a'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('first a', 'other a'));
    utimesSync(file, second, second);
    assert.ok((await store.list()).some((s) => s.title === 'first a'));
    // a real change (another size and mtime) is read again
    writeFileSync(file, readFileSync(file, 'utf8').replace('other a', 'changed a'));
    const titles = (await store.list()).map((s) => s.title);
    assert.ok(titles.includes('changed a') && !titles.includes('first a'), titles.join());
  });

  test('conversations written or deleted by another window on the same folder show up in list()', async () => {
    const dir = freshDir();
    const here = new HistoryStore(dir);
    const there = new HistoryStore(dir);
    await here.save(conversation('mine', 1, 'mine'));
    await there.save(conversation('kept', 2, 'kept'));
    assert.deepEqual(
      (await here.list()).map((s) => s.id),
      ['kept', 'mine'],
    );
    await there.save(conversation('theirs', 3, 'theirs'));
    await there.save(conversation('mine', 4, 'mine, answered there'));
    await there.delete('kept');
    assert.deepEqual(
      (await here.list()).map((s) => [s.id, s.title]),
      [
        ['mine', 'mine, answered there'],
        ['theirs', 'theirs'],
      ],
    );
    await here.delete('theirs');
    assert.deepEqual(
      (await there.list()).map((s) => s.id),
      ['mine'],
    );
  });

  test('ids that could leave the folder are refused', async () => {
    const store = new HistoryStore(freshDir());
    await assert.rejects(store.load('../../etc/passwd'), /not a conversation id/);
    await assert.rejects(store.save(conversation('../x', 1)), /not a conversation id/);
  });
});

/** Counts JSON.parse calls (how often a conversation file is parsed) until restored. */
function countParses(): { count: number; restore: () => void } {
  const parse = JSON.parse;
  const spy = { count: 0, restore: () => void (JSON.parse = parse) };
  JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
    spy.count++;
    return parse(...args) as unknown;
  };
  return spy;
}
