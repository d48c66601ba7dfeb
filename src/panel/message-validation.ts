// Checks every message from the webview (untrusted) before use: the envelope, the method, and each method's params.
import type { RequestId } from '../protocol/envelope';
import type { Attachment, PanelMethod, PanelParams } from '../protocol/panel-methods';

export class BadMessage extends Error {
  readonly code = 'bad-params';
}

const MAX_TEXT = 1_000_000;
const ID = /^[A-Za-z0-9-]{1,64}$/;

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, name: string, max = MAX_TEXT): string {
  if (typeof v !== 'string') throw new BadMessage(`${name} must be a string`);
  if (v.length > max) throw new BadMessage(`${name} is too long (${v.length} characters, at most ${max})`);
  return v;
}

function id(v: unknown, name: string): string {
  if (typeof v !== 'string' || !ID.test(v)) throw new BadMessage(`${name} must be a conversation id`);
  return v;
}

function line(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new BadMessage(`${name} must be a line number`);
  return v;
}

function attachments(v: unknown): Attachment[] {
  if (!Array.isArray(v) || v.length > 20) throw new BadMessage('attachments must be a list of at most 20');
  return v.map((a, i) => {
    if (!isRecord(a) || a.kind !== 'selection') throw new BadMessage(`attachments[${i}] is not a selection`);
    return {
      kind: 'selection',
      file: text(a.file, 'attachment file', 4096),
      language: text(a.language, 'attachment language', 100),
      text: text(a.text, 'attachment text'),
      startLine: line(a.startLine, 'startLine'),
      endLine: line(a.endLine, 'endLine'),
    };
  });
}

const params = (p: unknown): Rec => {
  if (!isRecord(p)) throw new BadMessage('params must be an object');
  return p;
};

/** One checker per method: returns the params rebuilt from checked fields only. */
const CHECKS: { [M in PanelMethod]: (p: unknown) => PanelParams<M> } = {
  'panel/ready': () => undefined,
  'chat/send': (p) => {
    const r = params(p);
    return {
      conversationId: r.conversationId === null ? null : id(r.conversationId, 'conversationId'),
      text: text(r.text, 'text'),
      attachments: attachments(r.attachments ?? []),
    };
  },
  'chat/stop': (p) => ({ conversationId: id(params(p).conversationId, 'conversationId') }),
  'chat/regenerate': (p) => ({ conversationId: id(params(p).conversationId, 'conversationId') }),
  'chat/contextUse': (p) => {
    const r = params(p);
    return {
      conversationId: r.conversationId === null ? null : id(r.conversationId, 'conversationId'),
      draft: text(r.draft, 'draft'),
      attachments: attachments(r.attachments ?? []),
    };
  },
  'history/list': () => undefined,
  'history/open': (p) => ({ id: id(params(p).id, 'id') }),
  'history/delete': (p) => ({ id: id(params(p).id, 'id') }),
  'editor/insert': (p) => ({ code: text(params(p).code, 'code') }),
  'editor/openNew': (p) => {
    const r = params(p);
    return { code: text(r.code, 'code'), language: text(r.language, 'language', 100) };
  },
  'clipboard/copy': (p) => ({ text: text(params(p).text, 'text') }),
  'link/open': (p) => ({ href: text(params(p).href, 'href', 8192) }),
  'settings/open': (p) => {
    const q = p === undefined ? undefined : params(p).query;
    return q === undefined ? {} : { query: text(q, 'query', 200) };
  },
  'notice/dismiss': () => undefined,
};

export type CheckedRequest = {
  [M in PanelMethod]: { id: RequestId; method: M; params: PanelParams<M> };
}[PanelMethod];

/**
 * A request from the webview with checked params; undefined for anything that is not a request envelope at all.
 * A request for an unknown method or with bad params throws BadMessage (answered as an error reply).
 */
export function checkRequest(message: unknown): CheckedRequest | undefined {
  if (!isRecord(message)) return undefined;
  const rid = message.id;
  if (!(typeof rid === 'number' || (typeof rid === 'string' && rid.length <= 64))) return undefined;
  if (typeof message.method !== 'string') return undefined;
  const method = message.method as PanelMethod;
  if (!Object.hasOwn(CHECKS, method))
    throw new BadMessage(`unknown method ${JSON.stringify(message.method).slice(0, 80)}`);
  const check = CHECKS[method] as (p: unknown) => unknown;
  return { id: rid, method, params: check(message.params) } as CheckedRequest;
}
