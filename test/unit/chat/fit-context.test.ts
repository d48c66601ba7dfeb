// Fitting a long Chat-view prompt (an agent's instructions, old turns) into a small model's context.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitContext } from '../../../src/host/lm/fit-context';
import type { ChatMessageParam } from '../../../src/protocol/engine-methods';

// a template-like count: 4 tokens of framing per message, one token per 4 characters
const count = async (ms: ChatMessageParam[]) =>
  ms.reduce((n, m) => n + 4 + Math.ceil(m.content.length / 4), 0);
const msg = (role: string, n: number, tag = role) => ({ role, content: `${tag}:${'x'.repeat(n)}` });

test('a prompt that fits is left as it is', async () => {
  const ms = [msg('system', 40), msg('user', 40)];
  assert.deepEqual(await fitContext(ms, 1000, count), ms);
});

test('system messages go first, then the oldest turns; the last question stays whole when it fits', async () => {
  const ms = [msg('system', 2000), msg('user', 200, 'old'), msg('assistant', 200), msg('user', 200, 'new')];
  const fitted = await fitContext(ms, 130, count);
  assert.ok((await count(fitted)) <= 130);
  assert.equal(
    fitted.some((m) => m.role === 'system'),
    false,
  );
  assert.deepEqual(fitted.at(-1), ms.at(-1));
  assert.equal(
    fitted.some((m) => m.content.startsWith('old')),
    false,
    'the oldest turn went before the newer ones',
  );
  assert.equal(fitted.length, 2);
});

test('a last message too long on its own keeps its end', async () => {
  const last = { role: 'user', content: `${'a'.repeat(4000)}THE QUESTION` };
  const fitted = await fitContext([msg('system', 100), last], 200, count);
  assert.ok((await count(fitted)) <= 200);
  assert.equal(fitted.length, 1);
  assert.ok(fitted[0]?.content.endsWith('THE QUESTION'));
});
