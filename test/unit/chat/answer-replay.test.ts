// Replaying a chat answer with the bundled model: a greedy answer replays at rank 1 every step and ends on the stop token.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { replayAnswer, type ReplayEngine } from '../../../src/host/chat/answer-replay';
import { ChatService, type ChatEngine, type ChatSettings } from '../../../src/host/chat/chat-service';
import { HistoryStore } from '../../../src/host/chat/history-store';
import { EngineService } from '../../../src/engine/engine-service';
import type {
  EngineChunk,
  EngineMethod,
  EngineParams,
  EngineResult,
  GenerateChunk,
} from '../../../src/protocol/engine-methods';
import type { ChatMessage } from '../../../src/protocol/panel-methods';
import { bundledModel } from '../../support/model-folder';

const root = mkdtempSync(join(tmpdir(), 'glassbox-replay-'));
const service = new EngineService();
after(() => {
  service.dispose();
  rmSync(root, { recursive: true, force: true });
});

function call<M extends EngineMethod>(
  method: M,
  params: EngineParams<M>,
  stream: (c: EngineChunk<M>) => void = () => undefined,
  signal = new AbortController().signal,
): Promise<EngineResult<M>> {
  return service.handle(method, params, { signal, stream } as never);
}

const engine: ChatEngine = {
  modelName: async () => (await call('model/info', undefined))?.name ?? '',
  countTokens: (messages) => call('model/countTokens', { messages }),
  generate: async (params, onChunk, signal) => {
    await call('model/generate', params, (c) => onChunk(c as GenerateChunk), signal);
  },
};
const replayEngine: ReplayEngine = {
  tokenize: async (text) => (await call('model/tokenize', { text })).ids,
  start: (messages) => call('step/start', { messages }),
};

let settings: ChatSettings = {
  systemPrompt: 'You are a helpful assistant.',
  temperature: 0,
  topP: 1,
  maxNewTokens: 48,
};
const answers: ChatMessage[] = [];
const chat = new ChatService(
  new HistoryStore(root),
  engine,
  () => settings,
  () => undefined,
);
chat.onAnswer = (m) => answers.push(m);

async function ask(text: string): Promise<{ conversationId: string; answer: ChatMessage }> {
  const before = answers.length;
  const c = await chat.send(null, text, []);
  while (answers.length === before) await new Promise((r) => setTimeout(r, 5));
  return { conversationId: c.id, answer: answers[before] as ChatMessage };
}

let name = '';
before(async () => {
  name = (await service.load({ dir: bundledModel, ep: 'cpu', threads: 1 })).name;
  assert.equal(name, 'glassbox-tiny');
});

describe('replaying a chat answer', () => {
  test('a greedy answer: the same prompt, its own token ids, rank 1 at every step, then its end', async () => {
    const { conversationId, answer } = await ask('What does a for loop do?');
    assert.equal(answer.state, 'done');
    const stats = answer.stats;
    assert.ok(stats?.tokenIds?.length, 'the answer keeps its token ids');
    assert.deepEqual(stats.sampling, { temperature: 0, topP: 1 });
    const { message, messages } = await chat.answerSource(conversationId, answer.id);
    assert.equal(messages.at(-1)?.role, 'user');
    assert.equal(messages.length, 2, 'system prompt and question, not the answer');
    const replay = await replayAnswer(message, messages, name, replayEngine);
    assert.deepEqual(replay.notes, []);
    assert.equal(replay.prompt.length, stats.promptTokens);
    assert.deepEqual(replay.answer, stats.tokenIds);
    let next = replay.next;
    for (const id of replay.answer) {
      assert.equal(next.top[0]?.id, id, 'greedy: every token of the answer was the top guess');
      const step = await call('step/append', { handle: replay.handle, id });
      assert.equal(step.appended.rank, 1);
      next = step.next;
    }
    const eos = service.model?.eosIds ?? [];
    if (stats.stopReason === 'eos')
      assert.ok(eos.includes(next.top[0]?.id as number), 'the stop token wins last');
    else assert.equal(stats.stopReason, 'max-tokens');
    const decoded = Buffer.concat(
      replay.answer.map((id) => Buffer.from(service.model?.tokenizer.tokenBytes(id) ?? [])),
    );
    assert.equal(decoded.toString('utf8').replace(/\uFFFD+$/, ''), answer.content);
  });

  test('another model, a changed prompt or no recorded ids: the text is tokenized again and notes say why', async () => {
    const { conversationId, answer } = await ask('Name a sorting algorithm.');
    const { message, messages } = await chat.answerSource(conversationId, answer.id);
    const stats = message.stats;
    assert.ok(stats);
    const retokenized = (await call('model/tokenize', { text: message.content })).ids;

    const other = await replayAnswer(message, messages, 'another-model', replayEngine);
    assert.equal(other.notes.length, 1);
    assert.match(other.notes[0] as string, /came from .* replayed with another-model/);
    assert.deepEqual(other.answer, retokenized);

    const older = { ...message, stats: { ...stats, tokenIds: undefined } };
    const old = await replayAnswer(older, messages, name, replayEngine);
    assert.match(old.notes.join(' '), /did not keep its token ids/);
    assert.deepEqual(old.answer, retokenized);

    settings = { ...settings, systemPrompt: 'You are a terse assistant who answers in one word.' };
    const changed = await chat.answerSource(conversationId, answer.id);
    const moved = await replayAnswer(changed.message, changed.messages, name, replayEngine);
    assert.match(moved.notes.join(' '), new RegExp(`was ${stats.promptTokens} when`));
    assert.deepEqual(moved.answer, stats.tokenIds);
  });

  test('questions, unknown messages and unknown conversations are refused with a reason', async () => {
    const { conversationId } = await ask('Hi');
    const conversation = await chat.get(conversationId);
    const question = conversation.messages[0] as ChatMessage;
    await assert.rejects(chat.answerSource(conversationId, question.id), /only answers can be replayed/);
    await assert.rejects(chat.answerSource(conversationId, 'no-such-message'), { code: 'not-found' });
    await assert.rejects(chat.answerSource('no-such-chat', question.id), { code: 'not-found' });
  });
});
