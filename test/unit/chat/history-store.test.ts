// Conversation files: round trips, interrupted writes and corrupt files never lose or break the history.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
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
    // what a crash between write and rename leaves behind: a partial temp file next to the real one
    writeFileSync(join(dir, 'd.json.123.abcd1234.tmp'), '{"id":"d","title":"half');
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
