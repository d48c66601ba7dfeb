// Messages from the webview are untrusted: only well-formed requests with checked params get through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadParams } from '../../src/protocol/checks';
import { checkRequest } from '../../src/host/panel/message-validation';

const attachment = {
  kind: 'selection',
  file: 'a.ts',
  language: 'typescript',
  text: 'x',
  startLine: 1,
  endLine: 2,
};

test('well-formed requests come back with only the checked fields', () => {
  const r = checkRequest({
    id: 7,
    method: 'chat/send',
    params: { conversationId: null, text: 'hi', attachments: [{ ...attachment, evil: 'x' }], extra: 1 },
  });
  assert.deepEqual(r, {
    id: 7,
    method: 'chat/send',
    params: { conversationId: null, text: 'hi', attachments: [attachment] },
  });
  assert.deepEqual(checkRequest({ id: 'a', method: 'panel/ready' }), {
    id: 'a',
    method: 'panel/ready',
    params: undefined,
  });
  assert.deepEqual(checkRequest({ id: 1, method: 'settings/open' }), {
    id: 1,
    method: 'settings/open',
    params: {},
  });
});

test('anything that is not a request is ignored', () => {
  for (const m of [
    null,
    'x',
    3,
    [],
    {},
    { method: 'chat/send' },
    { id: {}, method: 'chat/send' },
    { id: 1, method: 5 },
  ]) {
    assert.equal(checkRequest(m), undefined, JSON.stringify(m));
  }
});

test('unknown methods, prototype names and bad params are refused with a reason', () => {
  const refused: [unknown, RegExp][] = [
    [{ id: 1, method: 'workbench/run' }, /unknown method/],
    [{ id: 1, method: 'toString' }, /unknown method/],
    [{ id: 1, method: '__proto__' }, /unknown method/],
    [
      { id: 1, method: 'chat/send', params: { conversationId: '../../x', text: 'a', attachments: [] } },
      /conversation id/,
    ],
    [
      { id: 1, method: 'chat/send', params: { conversationId: null, text: 5, attachments: [] } },
      /text must be a string/,
    ],
    [
      {
        id: 1,
        method: 'chat/send',
        params: { conversationId: null, text: 'a', attachments: [{ kind: 'file' }] },
      },
      /not a selection/,
    ],
    [
      {
        id: 1,
        method: 'chat/send',
        params: { conversationId: null, text: 'a', attachments: [{ ...attachment, startLine: 0 }] },
      },
      /line number/,
    ],
    [{ id: 1, method: 'editor/insert', params: { code: 'x'.repeat(1_000_001) } }, /too long/],
    [{ id: 1, method: 'history/open', params: 'abc' }, /params must be an object/],
    [{ id: 1, method: 'link/open', params: {} }, /href must be a string/],
  ];
  for (const [message, reason] of refused) {
    assert.throws(
      () => checkRequest(message),
      (e: unknown) => e instanceof BadParams && reason.test(e.message),
      JSON.stringify(message).slice(0, 80),
    );
  }
});

test('inspector and step-through requests are checked field by field', () => {
  assert.deepEqual(
    checkRequest({ id: 1, method: 'inspect/attention', params: { handle: 'i3', layer: 2, head: 'mean' } }),
    {
      id: 1,
      method: 'inspect/attention',
      params: { handle: 'i3', layer: 2, head: 'mean' },
    },
  );
  assert.deepEqual(
    checkRequest({
      id: 2,
      method: 'step/sample',
      params: { handle: 's1', temperature: 0.8, topK: 0, topP: 1, seed: 9 },
    })?.params,
    { handle: 's1', temperature: 0.8, topK: 0, topP: 1, seed: 9 },
  );
  assert.deepEqual(
    checkRequest({ id: 3, method: 'step/replay', params: { conversationId: 'c-1', messageId: 'm-2', x: 1 } })
      ?.params,
    { conversationId: 'c-1', messageId: 'm-2' },
  );
  const refused: [unknown, RegExp][] = [
    [{ id: 1, method: 'inspect/attention', params: { handle: '../x', layer: 0, head: 0 } }, /engine handle/],
    [{ id: 1, method: 'inspect/attention', params: { handle: 'i1', layer: -1, head: 0 } }, /layer must be/],
    [{ id: 1, method: 'inspect/reveal', params: { start: 5, end: 2 } }, /end must be a whole number from 5/],
    [{ id: 1, method: 'inspect/pin', params: { pinned: 'yes' } }, /pinned must be true or false/],
    [
      { id: 1, method: 'step/sample', params: { handle: 's1', temperature: 0.8, topK: 0, topP: 0, seed: 1 } },
      /topP/,
    ],
    [
      { id: 1, method: 'step/sample', params: { handle: 's1', temperature: -1, topK: 0, topP: 1, seed: 1 } },
      /temperature/,
    ],
    [
      { id: 1, method: 'step/start', params: { prompt: 'x', chat: 1, fromSelection: false } },
      /chat must be true or false/,
    ],
    [{ id: 1, method: 'step/replay', params: { conversationId: 'c-1', messageId: '../m' } }, /messageId/],
    [{ id: 1, method: 'step/replay', params: { conversationId: 'c-1' } }, /messageId/],
  ];
  for (const [message, reason] of refused) {
    assert.throws(
      () => checkRequest(message),
      (e: unknown) => e instanceof BadParams && reason.test(e.message),
    );
  }
});
