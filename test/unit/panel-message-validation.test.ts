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

test('an attachment whose startLine is after its endLine is refused', () => {
  const send = (a: Record<string, unknown>) => ({
    id: 1,
    method: 'chat/send',
    params: { conversationId: null, text: 'a', attachments: [attachment, a] },
  });
  assert.throws(
    () => checkRequest(send({ ...attachment, startLine: 9, endLine: 3 })),
    (e: unknown) =>
      e instanceof BadParams && /attachments\[1\]: startLine 9 is after endLine 3/.test(e.message),
  );
  assert.equal(checkRequest(send({ ...attachment, startLine: 3, endLine: 3 }))?.method, 'chat/send');
});

test('one message may not carry more than 2,000,000 characters of text and attachments together', () => {
  const big = { ...attachment, text: 'x'.repeat(1_000_000) };
  const tooMuch = Array.from({ length: 20 }, () => big); // 20 attachments of 1 MB and 1 MB of text: 21 MB
  for (const [method, key] of [
    ['chat/send', 'text'],
    ['chat/contextUse', 'draft'],
  ] as const) {
    const request = (attachments: unknown[], body = 'x'.repeat(1_000_000)) => ({
      id: 1,
      method,
      params: { conversationId: null, [key]: body, attachments },
    });
    assert.throws(
      () => checkRequest(request(tooMuch)),
      (e: unknown) => e instanceof BadParams && /message is too long .*at most 2000000/.test(e.message),
      method,
    );
    assert.throws(() => checkRequest(request([big, { ...big, text: 'x'.repeat(10) }])), BadParams, method);
    const fits = checkRequest(request([{ ...big, text: 'x'.repeat(999_000) }], 'x'.repeat(1_000_000)));
    assert.equal(fits?.method, method);
  }
});

test('an empty or non-finite request id is refused, not answered as a request', () => {
  for (const id of ['', NaN, Infinity]) {
    assert.throws(
      () => checkRequest({ id, method: 'panel/ready' }),
      (e: unknown) => e instanceof BadParams && /request id must be/.test(e.message),
      String(id),
    );
  }
  assert.equal(checkRequest({ id: '', method: 5 }), undefined);
  assert.equal(checkRequest({ id: 'x'.repeat(65), method: 'panel/ready' }), undefined);
  assert.equal(checkRequest({ id: 0, method: 'panel/ready' })?.id, 0);
});
