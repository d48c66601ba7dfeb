// Checks every message from the webview (untrusted) before use: the envelope, the method, and each method's params.
import {
  BadParams,
  CONVERSATION_ID,
  ENGINE_HANDLE,
  flag,
  isRecord,
  matches,
  record,
  text as checkText,
  whole,
  type Rec,
} from '../../protocol/checks';
import type { RequestId } from '../../protocol/envelope';
import type { Attachment, PanelMethod, PanelParams } from '../../protocol/panel-methods';

const MAX_TEXT = 1_000_000;
/** All the text of one chat message together: its own text and every attachment's. */
const MAX_MESSAGE_TEXT = 2_000_000;
/** A request id: what the webview's client makes (a counter), with room to spare. */
const MAX_ID_LENGTH = 64;

const text = (v: unknown, name: string, max = MAX_TEXT): string => checkText(v, name, max);
const id = (v: unknown, name: string): string => matches(v, name, CONVERSATION_ID, 'a conversation id');

function line(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new BadParams(`${name} must be a line number`);
  return v;
}

function attachments(v: unknown): Attachment[] {
  if (!Array.isArray(v) || v.length > 20) throw new BadParams('attachments must be a list of at most 20');
  return v.map((a, i) => {
    if (!isRecord(a) || a.kind !== 'selection') throw new BadParams(`attachments[${i}] is not a selection`);
    const startLine = line(a.startLine, 'startLine');
    const endLine = line(a.endLine, 'endLine');
    if (startLine > endLine) {
      throw new BadParams(`attachments[${i}]: startLine ${startLine} is after endLine ${endLine}`);
    }
    return {
      kind: 'selection',
      file: text(a.file, 'attachment file', 4096),
      language: text(a.language, 'attachment language', 100),
      text: text(a.text, 'attachment text'),
      startLine,
      endLine,
    };
  });
}

/** A chat message's text and attachments, checked each and together (at most MAX_MESSAGE_TEXT characters in all). */
function message(
  rawText: unknown,
  textName: string,
  rawAttachments: unknown,
): { text: string; attachments: Attachment[] } {
  const body = text(rawText, textName);
  const attached = attachments(rawAttachments ?? []);
  const total = attached.reduce((n, a) => n + a.text.length + a.file.length, body.length);
  if (total > MAX_MESSAGE_TEXT) {
    throw new BadParams(
      `the message is too long (${total} characters with its attachments, at most ${MAX_MESSAGE_TEXT})`,
    );
  }
  return { text: body, attachments: attached };
}

const handle = (v: unknown): string => matches(v, 'handle', ENGINE_HANDLE, 'an engine handle');

const params = (p: unknown): Rec => record(p);

/** One checker per method: returns the params rebuilt from checked fields only. */
const CHECKS: { [M in PanelMethod]: (p: unknown) => PanelParams<M> } = {
  'panel/ready': () => undefined,
  'chat/send': (p) => {
    const r = params(p);
    return {
      conversationId: r.conversationId === null ? null : id(r.conversationId, 'conversationId'),
      ...message(r.text, 'text', r.attachments),
    };
  },
  'chat/stop': (p) => ({ conversationId: id(params(p).conversationId, 'conversationId') }),
  'chat/regenerate': (p) => ({ conversationId: id(params(p).conversationId, 'conversationId') }),
  'chat/contextUse': (p) => {
    const r = params(p);
    const { text: draft, attachments: attached } = message(r.draft, 'draft', r.attachments);
    return {
      conversationId: r.conversationId === null ? null : id(r.conversationId, 'conversationId'),
      draft,
      attachments: attached,
    };
  },
  'chat/new': () => undefined,
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
  'model/choose': () => undefined,
  'inspect/state': () => undefined,
  'inspect/refresh': () => undefined,
  'inspect/pin': (p) => ({ pinned: flag(params(p).pinned, 'pinned') }),
  'inspect/reveal': (p) => {
    const r = params(p);
    const start = whole(r.start, 'start', 0, MAX_TEXT);
    return { start, end: whole(r.end, 'end', start, MAX_TEXT) };
  },
  'inspect/highlights': (p) => ({ on: flag(params(p).on, 'on') }),
  'inspect/attention': (p) => {
    const r = params(p);
    return {
      handle: handle(r.handle),
      layer: whole(r.layer, 'layer', 0, 1000),
      head: r.head === 'mean' ? 'mean' : whole(r.head, 'head', 0, 1000),
    };
  },
  'inspect/thumbnails': (p) => {
    const r = params(p);
    return { handle: handle(r.handle), size: whole(r.size, 'size', 1, 256) };
  },
  'inspect/lens': (p) => {
    const r = params(p);
    return {
      handle: handle(r.handle),
      position: whole(r.position, 'position', 0, 1_000_000),
      ...(r.topK === undefined ? {} : { topK: whole(r.topK, 'topK', 1, 100) }),
    };
  },
  'inspect/neighbours': (p) => {
    const r = params(p);
    return {
      id: whole(r.id, 'id', 0, 10_000_000),
      ...(r.topK === undefined ? {} : { topK: whole(r.topK, 'topK', 1, 100) }),
    };
  },
  'step/start': (p) => {
    const r = params(p);
    return {
      prompt: text(r.prompt, 'prompt', 200_000),
      chat: flag(r.chat, 'chat'),
      fromSelection: flag(r.fromSelection, 'fromSelection'),
    };
  },
  'step/replay': (p) => {
    const r = params(p);
    return {
      conversationId: id(r.conversationId, 'conversationId'),
      messageId: id(r.messageId, 'messageId'),
    };
  },
  'step/append': (p) => {
    const r = params(p);
    return { handle: handle(r.handle), id: whole(r.id, 'id', 0, 10_000_000) };
  },
  'step/sample': (p) => {
    const r = params(p);
    const topP = r.topP;
    if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw new BadParams('topP must be in (0, 1]');
    const temperature = r.temperature;
    if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 10)) {
      throw new BadParams('temperature must be from 0 to 10');
    }
    return {
      handle: handle(r.handle),
      temperature,
      topK: whole(r.topK, 'topK', 0, 100_000),
      topP,
      seed: whole(r.seed, 'seed', 0, 2 ** 32 - 1),
    };
  },
};

export type CheckedRequest = {
  [M in PanelMethod]: { id: RequestId; method: M; params: PanelParams<M> };
}[PanelMethod];

/**
 * A request from the webview with checked params; undefined for anything that is not a request envelope at all.
 * A request for an unknown method, with an empty or non-finite id, or with bad params throws BadParams (answered
 * as an error reply).
 */
export function checkRequest(message: unknown): CheckedRequest | undefined {
  if (!isRecord(message)) return undefined;
  const rid = message.id;
  if (!(typeof rid === 'number' || (typeof rid === 'string' && rid.length <= MAX_ID_LENGTH)))
    return undefined;
  if (typeof message.method !== 'string') return undefined;
  if (rid === '' || (typeof rid === 'number' && !Number.isFinite(rid))) {
    throw new BadParams(
      `a request id must be a finite number or a string of 1 to ${MAX_ID_LENGTH} characters, got ${typeof rid === 'string' ? 'an empty string' : String(rid)}`,
    );
  }
  const method = message.method as PanelMethod;
  if (!Object.hasOwn(CHECKS, method))
    throw new BadParams(`unknown method ${JSON.stringify(message.method).slice(0, 80)}`);
  const check = CHECKS[method] as (p: unknown) => unknown;
  return { id: rid, method, params: check(message.params) } as CheckedRequest;
}
