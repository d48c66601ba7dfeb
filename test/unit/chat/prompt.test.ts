// Prompt building: system prompt, attachments as fences that code cannot close, failed answers left out, titles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachmentText, promptMessages, titleOf, userContent } from '../../../src/host/chat/prompt';
import type { Attachment } from '../../../src/protocol/panel-methods';

const code: Attachment = {
  kind: 'selection',
  file: 'src/a.md',
  language: 'markdown',
  text: 'Use ```js\nx()\n``` here',
  startLine: 3,
  endLine: 5,
};

test('an attachment becomes a fence longer than any backtick run inside it', () => {
  const t = attachmentText(code);
  assert.equal(t, 'src/a.md (lines 3-5):\n````markdown\nUse ```js\nx()\n``` here\n````');
  assert.equal(attachmentText({ ...code, text: 'x', endLine: 3 }), 'src/a.md (line 3):\n```markdown\nx\n```');
});

test('user content puts attachments before the question', () => {
  assert.equal(
    userContent('Explain this.', [{ ...code, text: 'y' }]),
    `${attachmentText({ ...code, text: 'y' })}\n\nExplain this.`,
  );
  assert.equal(userContent('just text'), 'just text');
});

test('messages: system prompt first, failed and empty answers left out', () => {
  const m = promptMessages('Be brief.', [
    { id: '1', role: 'user', content: 'q1', createdAt: 0 },
    { id: '2', role: 'assistant', content: 'boom', state: 'error', createdAt: 0 },
    { id: '3', role: 'user', content: 'q2', createdAt: 0 },
    { id: '4', role: 'assistant', content: 'a2', state: 'stopped', createdAt: 0 },
    { id: '5', role: 'user', content: 'q3', createdAt: 0 },
  ]);
  assert.deepEqual(m, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'q1' },
    { role: 'user', content: 'q2' },
    { role: 'assistant', content: 'a2' },
    { role: 'user', content: 'q3' },
  ]);
  assert.deepEqual(promptMessages('  ', [{ id: '1', role: 'user', content: 'q', createdAt: 0 }]), [
    { role: 'user', content: 'q' },
  ]);
});

test('titles: first non-empty line, else the attached file, shortened', () => {
  assert.equal(titleOf('\n  How does this work?\nmore'), 'How does this work?');
  assert.equal(titleOf('', [code]), 'src/a.md');
  assert.equal(titleOf('x'.repeat(80)).length, 60);
});
