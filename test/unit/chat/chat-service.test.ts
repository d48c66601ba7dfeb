// Chat state with a scripted engine: streaming, saving, Stop, Regenerate, context refusal, delete, history failures.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ChatService, type ChatEngine, type ChatSettings } from '../../../src/host/chat/chat-service';
import { HistoryStore } from '../../../src/host/chat/history-store';
import type { ChatMessageParam, GenerateChunk, GenerateParams } from '../../../src/protocol/engine-methods';
import type { ChatMessage, PanelNotification } from '../../../src/protocol/panel-methods';

const root = mkdtempSync(join(tmpdir(), 'glassbox-chat-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** How the fake engine ends a request whose prompt does not leave room, as the real one can (see generate.ts). */
type WhenFull = 'throws' | 'context-length' | 'cancelled';

/**
 * Like the engine: generate streams the prompt's length first (tokens counted as characters), then `pieces` one per
 * tick, stopping before the next piece once aborted. A prompt that does not fit ends as `whenFull` says.
 */
class ScriptedEngine implements ChatEngine {
  calls: GenerateParams[] = [];
  countCalls = 0;
  aborted = 0;
  /** Whether the last generate's signal had been aborted when it ended. */
  abortedAtEnd = false;
  constructor(
    public pieces: string[],
    public contextLength = 512,
    public whenFull: WhenFull = 'throws',
  ) {}
  async modelName() {
    return 'scripted';
  }
  async countTokens(messages: ChatMessageParam[]) {
    this.countCalls++;
    return { tokens: length(messages), contextLength: this.contextLength };
  }
  async generate(params: GenerateParams, onChunk: (c: GenerateChunk) => void, signal: AbortSignal) {
    this.calls.push(params);
    const prompt = length(params.messages ?? []);
    onChunk({ kind: 'prompt', tokens: prompt, contextLength: this.contextLength });
    await new Promise((r) => setTimeout(r, 2));
    const full = prompt >= this.contextLength;
    const whenFull = this.whenFull;
    if (full && whenFull === 'throws') {
      this.abortedAtEnd = signal.aborted;
      throw Object.assign(new Error(`the sequence needs ${prompt} positions`), { code: 'context-length' });
    }
    // the real engine may run one step (and stream its token) before it sees the abort
    const pieces = full ? ['overflow'] : this.pieces;
    let sent = 0;
    for (const text of pieces) {
      if (signal.aborted && !full) {
        this.aborted++;
        break;
      }
      onChunk({ kind: 'text', text, tokens: [sent++] });
      await new Promise((r) => setTimeout(r, 2));
    }
    this.abortedAtEnd = signal.aborted;
    onChunk({
      kind: 'summary',
      summary: {
        text: pieces.slice(0, sent).join(''),
        tokens: Array.from({ length: sent }, (_, i) => i),
        promptTokens: Array.from({ length: prompt }, (_, i) => i),
        stopReason: full && whenFull !== 'throws' ? whenFull : signal.aborted ? 'cancelled' : 'eos',
        executionProvider: 'cpu',
        timings: { prefillMs: 1, firstTokenMs: 2, decodeTokensPerSecond: 42, totalMs: 3 },
      },
    });
  }
}

function length(messages: ChatMessageParam[]): number {
  return messages.reduce((n, m) => n + m.content.length, 0);
}

const settings: ChatSettings = { systemPrompt: 'sys', temperature: 0.7, topP: 0.9, maxNewTokens: 64 };

function setup(engine: ChatEngine, dir = join(root, `c${dirs++}`), store = new HistoryStore(dir)) {
  const events: { method: PanelNotification; params: unknown }[] = [];
  const answers: ChatMessage[] = [];
  const chat = new ChatService(
    store,
    engine,
    () => settings,
    (method, params) => events.push({ method, params }),
  );
  chat.onAnswer = (m) => answers.push(m);
  const finished = () =>
    new Promise<ChatMessage>((resolve) => {
      const start = answers.length;
      const poll = setInterval(() => {
        if (answers.length > start) {
          clearInterval(poll);
          resolve(answers[start] as ChatMessage);
        }
      }, 1);
    });
  return { chat, events, answers, finished, dir };
}

/** A store whose list() throws on the calls `failing` names (1 is the first), like a folder that cannot be read. */
class FailingListStore extends HistoryStore {
  calls = 0;
  constructor(
    dir: string,
    private readonly failing: (call: number) => boolean,
  ) {
    super(dir);
  }
  override async list() {
    if (this.failing(++this.calls)) throw new Error('EACCES: permission denied, scandir history');
    return super.list();
  }
}

/** Waits until the conversation has no answer running (at most 5 s), collecting unhandled rejections meanwhile. */
async function settled(chat: ChatService, id: string, rejections: unknown[]): Promise<void> {
  const deadline = Date.now() + 5000;
  while (chat.isStreaming(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  // let a rejection of the answer's promise surface
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(chat.isStreaming(id), false, 'the answer ended');
  assert.deepEqual(rejections, [], 'no unhandled rejection');
}

function catchRejections(): { rejections: unknown[]; restore: () => void } {
  const rejections: unknown[] = [];
  const on = (e: unknown) => rejections.push(e);
  process.on('unhandledRejection', on);
  return { rejections, restore: () => void process.off('unhandledRejection', on) };
}

describe('chat service', () => {
  test('send: stored at once, streamed as deltas in order, finished with stats, saved to disk', async () => {
    const engine = new ScriptedEngine(['Hel', 'lo ', '**world**']);
    const { chat, events, finished, dir } = setup(engine);
    const done = finished();
    const c = await chat.send(null, 'Say hi', []);
    const message = await done;
    assert.equal(message.content, 'Hello **world**');
    assert.equal(message.state, 'done');
    assert.equal(message.stats?.tokensPerSecond, 42);
    assert.equal(message.stats?.model, 'scripted');
    const kinds = events.map((e) => e.method).filter((m) => m !== 'history/changed');
    assert.deepEqual(kinds, ['chat/updated', 'chat/delta', 'chat/delta', 'chat/delta', 'chat/finished']);
    const deltas = events
      .filter((e) => e.method === 'chat/delta')
      .map((e) => (e.params as { text: string }).text);
    assert.equal(deltas.join(''), 'Hello **world**');
    assert.deepEqual(engine.calls[0]?.messages, [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'Say hi' },
    ]);
    assert.equal(engine.calls[0]?.temperature, 0.7);
    // one engine round trip per answer: generate alone (its first chunk says how long the prompt is)
    assert.equal(engine.calls.length, 1);
    assert.equal(engine.countCalls, 0);
    // a new service over the same folder (a window reload) finds the whole conversation
    const reloaded = await new HistoryStore(dir).load(c.id);
    assert.deepEqual(
      reloaded?.messages.map((m) => [m.role, m.content, m.state]),
      [
        ['user', 'Say hi', undefined],
        ['assistant', 'Hello **world**', 'done'],
      ],
    );
  });

  test('stop: the engine sees the abort before its next piece; the answer is kept as stopped', async () => {
    const engine = new ScriptedEngine(Array.from({ length: 500 }, (_, i) => `${i} `));
    const { chat, events, finished } = setup(engine);
    const done = finished();
    const c = await chat.send(null, 'count', []);
    while (!events.some((e) => e.method === 'chat/delta')) await new Promise((r) => setTimeout(r, 1));
    await chat.stop(c.id);
    const message = await done;
    assert.equal(engine.aborted, 1);
    assert.equal(message.state, 'stopped');
    assert.ok(message.content.length > 0 && message.content.split(' ').length < 500);
    assert.equal(chat.isStreaming(c.id), false);
  });

  test('after Stop not one more token is shown or saved, though the engine streams a few more before it sees the abort', async () => {
    /** Like the engine over IPC: the pieces already on their way still arrive after the abort. */
    class LateEngine extends ScriptedEngine {
      override async generate(
        _params: GenerateParams,
        onChunk: (c: GenerateChunk) => void,
        signal: AbortSignal,
      ) {
        onChunk({ kind: 'prompt', tokens: 1, contextLength: 512 });
        let sent = 0;
        while (sent < 200) {
          onChunk({ kind: 'text', text: `${sent} `, tokens: [sent] });
          sent++;
          await new Promise((r) => setTimeout(r, 2));
          // 14 more after the abort, as measured against the real engine
          if (signal.aborted && this.aborted++ >= 14) break;
        }
        onChunk({
          kind: 'summary',
          summary: {
            text: '',
            tokens: Array.from({ length: sent }, (_, i) => i),
            promptTokens: [0],
            stopReason: 'cancelled',
            executionProvider: 'cpu',
            timings: { prefillMs: 1, firstTokenMs: 2, decodeTokensPerSecond: 42, totalMs: 3 },
          },
        });
      }
    }
    const engine = new LateEngine([]);
    const { chat, events, finished, dir } = setup(engine);
    const done = finished();
    const c = await chat.send(null, 'count', []);
    while (!events.some((e) => e.method === 'chat/delta')) await new Promise((r) => setTimeout(r, 1));
    const stop = chat.stop(c.id);
    const shownAtStop = events.filter((e) => e.method === 'chat/delta').length;
    await stop;
    const message = await done;
    assert.ok(engine.aborted >= 14, 'the engine did stream after the abort');
    assert.equal(events.filter((e) => e.method === 'chat/delta').length, shownAtStop, 'no delta after Stop');
    const shown = events
      .filter((e) => e.method === 'chat/delta')
      .map((e) => (e.params as { text: string }).text)
      .join('');
    assert.equal(message.content, shown);
    assert.equal(message.state, 'stopped');
    const saved = JSON.parse(readFileSync(join(dir, `${c.id}.json`), 'utf8')) as { messages: ChatMessage[] };
    assert.equal(saved.messages.at(-1)?.content, shown);
    // its stats and replay ids count the tokens shown, not those the engine made after the abort
    assert.equal(message.stats?.tokens, shownAtStop);
    assert.deepEqual(
      message.stats?.tokenIds,
      Array.from({ length: shownAtStop }, (_, i) => i),
    );
  });

  test('a second message while answering is refused; regenerate replaces the last answer', async () => {
    const engine = new ScriptedEngine(['one']);
    const { chat, finished } = setup(engine);
    let done = finished();
    const c = await chat.send(null, 'q', []);
    await assert.rejects(chat.send(c.id, 'again', []), /still being written/);
    await done;
    engine.pieces = ['two'];
    done = finished();
    await chat.regenerate(c.id);
    await done;
    const now = await chat.get(c.id);
    assert.deepEqual(
      now.messages.map((m) => m.content),
      ['q', 'two'],
    );
    // the regenerated answer was asked for with the same history (no old answer in it)
    assert.deepEqual(engine.calls[1]?.messages, engine.calls[0]?.messages);
  });

  for (const whenFull of ['throws', 'context-length', 'cancelled'] as const) {
    test(`a chat that fills the context is refused with the numbers, in one call (engine ends: ${whenFull})`, async () => {
      // 'sys' + the question: 31 characters, so 31 tokens; longer than the context, or exactly as long
      for (const contextLength of [20, 31]) {
        const engine = new ScriptedEngine(['never'], contextLength, whenFull);
        const { chat, events, finished } = setup(engine);
        const done = finished();
        await chat.send(null, 'this question is long enough', []);
        const message = await done;
        assert.equal(message.state, 'error');
        assert.equal(
          message.error,
          `This chat is 31 tokens long and scripted reads at most ${contextLength}, so there is no room for an ` +
            'answer. Start a new chat, or attach less code.',
        );
        assert.equal(message.content, '');
        assert.equal(message.stats, undefined);
        assert.equal(engine.calls.length, 1);
        assert.equal(engine.countCalls, 0);
        assert.ok(engine.abortedAtEnd, 'the engine request was aborted');
        assert.ok(!events.some((e) => e.method === 'chat/delta'));
      }
    });
  }

  test('an answer parses no conversation file; history/changed still comes at its start and end', async () => {
    const dir = join(root, `c${dirs++}`);
    const window = new HistoryStore(dir);
    for (let i = 0; i < 5; i++) {
      await window.save({ id: `old${i}`, title: `old ${i}`, createdAt: i, updatedAt: i, messages: [] });
    }
    const engine = new ScriptedEngine(['fine']);
    const { chat, events, finished } = setup(engine, dir);
    assert.equal((await chat.list()).length, 5);
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = (...args: Parameters<typeof parse>) => (parses++, parse(...args) as unknown);
    try {
      const done = finished();
      await chat.send(null, 'q', []);
      await done;
    } finally {
      JSON.parse = parse;
    }
    assert.equal(parses, 0);
    const lists = events
      .filter((e) => e.method === 'history/changed')
      .map((e) => (e.params as { conversations: unknown[] }).conversations.length);
    assert.deepEqual(lists, [6, 6]);
  });

  test('stray files in the history folder neither stop an answer nor break the list', async () => {
    const dir = join(root, `c${dirs++}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x (conflicted copy).json'), '{ not json');
    mkdirSync(join(dir, 'y.json'));
    const engine = new ScriptedEngine(['fine']);
    const { chat, events } = setup(engine, dir);
    const { rejections, restore } = catchRejections();
    try {
      const c = await chat.send(null, 'q', []);
      await settled(chat, c.id, rejections);
      assert.equal(c.messages[1]?.state, 'done');
      assert.equal(c.messages[1]?.content, 'fine');
      assert.ok(events.some((e) => e.method === 'chat/finished'));
      // what panel/ready asks first
      assert.deepEqual(
        (await chat.list()).map((s) => s.id),
        [c.id],
      );
    } finally {
      restore();
    }
  });

  for (const when of ['before the answer', 'after the answer', 'always'] as const) {
    test(`a history that cannot be listed (${when}) never leaves an answer streaming`, async () => {
      const dir = join(root, `c${dirs++}`);
      const store = new FailingListStore(dir, (call) =>
        when === 'always' ? true : when === 'before the answer' ? call === 1 : call === 2,
      );
      const engine = new ScriptedEngine(['fine']);
      const { chat, events } = setup(engine, dir, store);
      const { rejections, restore } = catchRejections();
      try {
        const c = await chat.send(null, 'q', []);
        await settled(chat, c.id, rejections);
        const message = c.messages[1];
        if (when === 'after the answer') {
          assert.equal(message?.state, 'done');
          assert.equal(message?.content, 'fine');
        } else {
          assert.equal(message?.state, 'error');
          assert.equal(message?.error, 'EACCES: permission denied, scandir history');
        }
        assert.ok(events.some((e) => e.method === 'chat/finished'));
        // what is on disk is the finished answer, not one still streaming
        const saved = await new HistoryStore(dir).load(c.id);
        assert.equal(saved?.messages[1]?.state, message?.state);
      } finally {
        restore();
      }
    });
  }

  test('context use counts the draft and attachments as the next message', async () => {
    const engine = new ScriptedEngine([]);
    const { chat } = setup(engine);
    const empty = await chat.contextUse(null, '', []);
    assert.deepEqual(empty, { promptTokens: 3, contextLength: 512, remaining: 509 });
    const withDraft = await chat.contextUse(null, 'abcd', [
      { kind: 'selection', file: 'f.ts', language: 'ts', text: 'x', startLine: 1, endLine: 1 },
    ]);
    assert.ok(withDraft.promptTokens > empty.promptTokens + 4);
  });

  test('delete stops a running answer and removes the conversation', async () => {
    const engine = new ScriptedEngine(Array.from({ length: 500 }, () => 'x'));
    const { chat } = setup(engine);
    const c = await chat.send(null, 'q', []);
    await chat.delete(c.id);
    assert.deepEqual(await chat.list(), []);
    await assert.rejects(chat.get(c.id), /no longer exists/);
  });
});

describe('answers for VS Code’s Chat view (answerFrom)', () => {
  const user = (content: string): ChatMessage => ({ id: 'u', role: 'user', content, createdAt: 1 });

  test('answers the given turns in a stored conversation, streaming each piece to the caller', async () => {
    const engine = new ScriptedEngine(['Hel', 'lo']);
    const { chat, dir } = setup(engine);
    const seen: string[] = [];
    const history: ChatMessage[] = [
      user('first question'),
      { id: 'a', role: 'assistant', content: 'first answer', state: 'done', createdAt: 1 },
      user('second question'),
    ];
    const { conversation, message } = await chat.answerFrom(
      '@glassbox: q',
      history,
      (t) => seen.push(t),
      new AbortController().signal,
    );
    assert.deepEqual(seen, ['Hel', 'lo']);
    assert.equal(message.content, 'Hello');
    assert.equal(message.state, 'done');
    assert.deepEqual(message.stats?.tokenIds, [0, 1]);
    // the engine got the whole history (system prompt first); the conversation is on disk and can be replayed
    assert.deepEqual(
      engine.calls[0]?.messages?.map((m) => m.role),
      ['system', 'user', 'assistant', 'user'],
    );
    const stored = await new HistoryStore(dir).load(conversation.id);
    assert.equal(stored?.messages.at(-1)?.content, 'Hello');
    const source = await chat.answerSource(conversation.id, message.id);
    assert.equal(source.messages.at(-1)?.content, 'second question');
  });

  test('the caller’s signal stops it, keeping what was shown', async () => {
    const engine = new ScriptedEngine(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    const { chat } = setup(engine);
    const stop = new AbortController();
    const seen: string[] = [];
    const { message } = await chat.answerFrom(
      't',
      [user('go')],
      (t) => {
        seen.push(t);
        if (seen.length === 2) stop.abort();
      },
      stop.signal,
    );
    assert.equal(message.state, 'stopped');
    assert.equal(message.content, seen.join(''));
    assert.ok(seen.length < 8, `${seen.length} pieces after Stop`);
  });

  test('refuses turns that do not end with a question', async () => {
    const { chat } = setup(new ScriptedEngine(['x']));
    await assert.rejects(
      chat.answerFrom('t', [], () => undefined, new AbortController().signal),
      /nothing to answer/,
    );
  });
});
