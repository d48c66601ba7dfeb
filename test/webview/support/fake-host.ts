// Test-only page script: defines window.acquireVsCodeApi as VS Code would, records requests and answers them.
import type { ContextUse, Conversation, ConversationSummary } from '../../../src/protocol/panel-methods';
import type { FakeHost, FakeHostConfig, PostedRequest, ReplayCall } from './fake-host-types';

const config = JSON.parse(document.getElementById('fake-host-config')?.textContent ?? '{}') as FakeHostConfig;
const conversations = new Map<string, Conversation>((config.conversations ?? []).map((c) => [c.id, c]));
const STATE_KEY = 'fake-host-state';
/** The host's current conversation, kept over page reloads as the real host keeps it in globalState ('' for none). */
const CURRENT_KEY = 'fake-host-current';

function setCurrent(id: string | null): void {
  sessionStorage.setItem(CURRENT_KEY, id ?? '');
}

/** panel/ready's answer: the configured one, with the conversation the host now has as current. */
function ready(): unknown {
  const id = sessionStorage.getItem(CURRENT_KEY);
  if (id === null) return config.init;
  return { ...config.init, current: id === '' ? null : (conversations.get(id) ?? null) };
}

const summaries = (): ConversationSummary[] =>
  [...conversations.values()].map((c) => ({
    id: c.id,
    title: c.title,
    updatedAt: c.updatedAt,
    messageCount: c.messages.length,
  }));

/**
 * Messages travel as JSON, as VS Code sends them (so `result: undefined` disappears). Typed arrays stay the
 * fixtures' `$typed` markers: the webview's messenger turns them into typed arrays (VS Code itself delivers real
 * typed arrays, which the messenger keeps as they are).
 */
const post = (message: unknown) => window.postMessage(JSON.parse(JSON.stringify(message)), '*');

/** A request's identity for replay: its method and params, keys sorted. */
function callKey(method: string, params: unknown): string {
  const sorted = (v: unknown): unknown =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;
  return `${method} ${JSON.stringify(sorted(params ?? null))}`;
}

/** Recorded answers by call key; each is used once, in order, the last one again when they run out. */
const recorded = new Map<string, unknown[]>();

function replayed(method: string, params: unknown): { found: boolean; result?: unknown } {
  const queue = recorded.get(callKey(method, params));
  if (!queue || queue.length === 0) return { found: false };
  return { found: true, result: queue.length > 1 ? queue.shift() : queue[0] };
}

function contextUse(params: {
  conversationId: string | null;
  draft: string;
  attachments: { text: string }[];
}) {
  const conversation = params.conversationId ? conversations.get(params.conversationId) : undefined;
  const chars =
    params.draft.length +
    params.attachments.reduce((n, a) => n + a.text.length, 0) +
    (conversation?.messages.reduce((n, m) => n + m.content.length, 0) ?? 0);
  const contextLength = config.contextLength ?? 2048;
  const promptTokens = (config.basePromptTokens ?? 20) + Math.ceil(chars / 4);
  return {
    promptTokens,
    contextLength,
    remaining: Math.max(0, contextLength - promptTokens),
  } satisfies ContextUse;
}

function answer(method: string, params: Record<string, unknown>): unknown {
  if (method in host.errors) throw new Error(host.errors[method]);
  const replay = replayed(method, params);
  if (replay.found) return replay.result;
  if (method in host.results) return host.results[method];
  switch (method) {
    case 'panel/ready':
      return ready();
    case 'history/list':
      return summaries();
    case 'history/open': {
      const c = conversations.get(String(params.id));
      if (!c) throw new Error(`No conversation ${String(params.id)}`);
      setCurrent(c.id);
      return c;
    }
    case 'history/delete':
      conversations.delete(String(params.id));
      return undefined;
    case 'chat/send': {
      const id = String(params.conversationId ?? config.newConversationId ?? 'c-new');
      setCurrent(id);
      return { conversationId: id };
    }
    case 'chat/new':
      setCurrent(null);
      return undefined;
    case 'chat/contextUse':
      return contextUse(params as Parameters<typeof contextUse>[0]);
    case 'link/open':
      return { opened: false };
    case 'inspect/state':
      return config.inspector ?? { state: 'idle', highlights: false };
    case 'inspect/thumbnails':
    case 'inspect/attention':
    case 'inspect/lens':
    case 'inspect/neighbours':
    case 'step/start':
    case 'step/replay':
    case 'step/sample':
    case 'step/append':
      throw new Error(`no recorded result for ${callKey(method, params)}`);
    default:
      return undefined;
  }
}

const host: FakeHost = {
  config,
  requests: [],
  results: {},
  errors: {},
  violations: [],
  notify: (method, params) => post({ method, params }),
  replay(calls: ReplayCall[]) {
    for (const call of calls) {
      const key = callKey(call.method, call.params);
      recorded.set(key, [...(recorded.get(key) ?? []), call.result]);
    }
  },
};
window.__host = host;

document.addEventListener('securitypolicyviolation', (e) => {
  host.violations.push({ directive: e.violatedDirective, blockedURI: e.blockedURI, sample: e.sample });
});

let state: unknown = sessionStorage.getItem(STATE_KEY)
  ? JSON.parse(sessionStorage.getItem(STATE_KEY) ?? 'null')
  : config.state;

Object.defineProperty(window, 'acquireVsCodeApi', {
  value: () => ({
    postMessage(message: PostedRequest) {
      const copy = JSON.parse(JSON.stringify(message)) as PostedRequest;
      host.requests.push(copy);
      setTimeout(() => {
        try {
          post({ id: copy.id, result: answer(copy.method, (copy.params ?? {}) as Record<string, unknown>) });
        } catch (error) {
          post({ id: copy.id, error: { code: 'test-error', message: (error as Error).message } });
        }
      }, 0);
    },
    getState: () => state,
    setState(next: unknown) {
      state = next;
      sessionStorage.setItem(STATE_KEY, JSON.stringify(next));
    },
  }),
});
