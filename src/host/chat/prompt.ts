// Turns a conversation into the chat messages the model's template renders: system prompt, attachments as fences.
import type { ChatMessageParam } from '../../protocol/engine-methods';
import type { Attachment, ChatMessage } from '../../protocol/panel-methods';

/** A fence longer than any backtick run inside the code, so the code cannot close it (any number of runs). */
function fence(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The fence's info string: the language id when it is one safe token (letters, digits, + - . # _), else nothing. */
export function fenceLanguage(language: string): string {
  const name = language.trim();
  return /^[A-Za-z0-9+\-.#_]{1,64}$/.test(name) ? name : '';
}

export function attachmentText(a: Attachment): string {
  const f = fence(a.text);
  const lines = a.startLine === a.endLine ? `line ${a.startLine}` : `lines ${a.startLine}-${a.endLine}`;
  const body = `${a.text}${a.text.endsWith('\n') ? '' : '\n'}`;
  return `${a.file} (${lines}):\n${f}${fenceLanguage(a.language)}\n${body}${f}`;
}

export function userContent(text: string, attachments: readonly Attachment[] = []): string {
  return [...attachments.map(attachmentText), text].filter((part) => part.trim() !== '').join('\n\n');
}

/** The messages for an answer after `history` (finished messages only; failed answers are left out). */
export function promptMessages(systemPrompt: string, history: readonly ChatMessage[]): ChatMessageParam[] {
  const out: ChatMessageParam[] = systemPrompt.trim() ? [{ role: 'system', content: systemPrompt }] : [];
  for (const m of history) {
    if (m.role === 'user') out.push({ role: 'user', content: userContent(m.content, m.attachments) });
    else if (m.state !== 'error' && m.content !== '') out.push({ role: 'assistant', content: m.content });
  }
  return out;
}

/** A short title: the first line of the first question, else the first attachment's file. */
export function titleOf(text: string, attachments: readonly Attachment[] = []): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const base = line || attachments[0]?.file || 'New chat';
  return base.length > 60 ? `${base.slice(0, 57)}...` : base;
}
