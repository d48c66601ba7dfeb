// Stop strings over streamed text: held-back prefixes, stops spanning chunks, the earliest stop wins.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StopStringWatcher } from '../../../src/engine/generation/stop-strings';

function feed(stops: string[], chunks: string[]): { shown: string[]; stoppedAt: number; full: string } {
  const w = new StopStringWatcher(stops);
  const shown: string[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const r = w.push(chunks[i] as string);
    shown.push(r.emit);
    if (r.stopped) return { shown, stoppedAt: i, full: w.fullText };
  }
  shown.push(w.flush());
  return { shown, stoppedAt: -1, full: w.fullText };
}

describe('stop strings', () => {
  test('a stop string split over chunks stops generation; nothing of it is ever shown', () => {
    const r = feed(['</end>'], ['hello </', 'en', 'd> more']);
    assert.equal(r.stoppedAt, 2);
    assert.deepEqual(r.shown, ['hello ', '', '']);
    assert.equal(r.full, 'hello ');
  });

  test('a held-back prefix that does not complete is released', () => {
    const r = feed(['</end>'], ['a </e', 'x b']);
    assert.equal(r.stoppedAt, -1);
    assert.deepEqual(r.shown, ['a ', '</ex b', '']);
  });

  test('the earliest of several stop strings wins', () => {
    const r = feed(['bb', 'a'], ['xxbba']);
    assert.equal(r.full, 'xx');
    const s = feed(['User:', '\n\n'], ['one\n', '\nUser:']);
    assert.equal(s.full, 'one');
    assert.equal(s.stoppedAt, 1);
  });

  test('without stop strings every chunk is shown at once', () => {
    assert.deepEqual(feed([], ['a', '漢', '🙂']).shown, ['a', '漢', '🙂', '']);
  });
});
