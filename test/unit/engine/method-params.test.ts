// The engine boundary: every bad parameter is refused with a coded one-line error before a handler runs.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, describe, test } from 'node:test';
import { EngineService, errorInfo } from '../../../src/engine/engine-service';
import type { EngineMethod } from '../../../src/protocol/engine-methods';
import { bundledModel } from '../../support/model-folder';

const service = new EngineService();
after(() => service.dispose());
const ctx = { signal: new AbortController().signal, stream: () => undefined };

/** What the engine answers a request with (the reply's error), or 'ok'. */
async function answer(method: string, params: unknown): Promise<{ code: string; message: string } | 'ok'> {
  try {
    await service.handle(method as EngineMethod, params, ctx);
    return 'ok';
  } catch (e) {
    return errorInfo(e);
  }
}

async function refused(method: string, params: unknown, says: RegExp): Promise<void> {
  const reply = await answer(method, params);
  assert.notEqual(reply, 'ok', `${method} ${JSON.stringify(params)} was accepted`);
  if (reply === 'ok') return;
  assert.equal(reply.code, 'bad-params', reply.message);
  assert.match(reply.message, says);
  assert.doesNotMatch(reply.message, /\n/, 'one line');
}

const prompt = { prompt: 'x', maxNewTokens: 1 };

describe('engine method params', () => {
  test('model/generate: maxNewTokens NaN', () =>
    refused('model/generate', { ...prompt, maxNewTokens: NaN }, /maxNewTokens must be a whole number/));
  test('model/generate: maxNewTokens -1', () =>
    refused('model/generate', { ...prompt, maxNewTokens: -1 }, /maxNewTokens must be a whole number from 1/));
  test('model/generate: temperature -1', () =>
    refused('model/generate', { ...prompt, temperature: -1 }, /temperature must be a number from 0/));
  test('model/generate: topP 2', () =>
    refused('model/generate', { ...prompt, topP: 2 }, /topP must be a number above 0 up to 1/));
  test('model/generate: topK -5', () =>
    refused('model/generate', { ...prompt, topK: -5 }, /topK must be a whole number from 0/));
  test('model/generate: stopStrings as a string', () =>
    refused('model/generate', { ...prompt, stopStrings: 'END' }, /stopStrings must be a list/));
  test('model/generate: repetitionPenalty 0', () =>
    refused(
      'model/generate',
      { ...prompt, repetitionPenalty: 0 },
      /repetitionPenalty must be a number above 0/,
    ));
  test('model/generate: a prompt and messages at once', () =>
    refused('model/generate', { prompt: 'x', messages: [] }, /not both/));
  test('model/generate: messages of the wrong shape', () =>
    refused('model/generate', { messages: [{ role: 'user' }] }, /messages\[0\]\.content must be a string/));
  test('model/load: ep "nonsense"', () =>
    refused(
      'model/load',
      { dir: bundledModel, ep: 'nonsense' },
      /ep must be one of auto, cpu, cuda, webgpu, dml, coreml/,
    ));
  test('model/load: threads 10000', () =>
    refused(
      'model/load',
      { dir: bundledModel, threads: 10_000 },
      new RegExp(`threads must be a whole number from 1 to ${availableParallelism()}`),
    ));
  test('model/load: no dir', () => refused('model/load', {}, /dir must be a string/));
  test('step/sample: topP 0', () =>
    refused(
      'step/sample',
      { handle: 's1', temperature: 1, seed: 1, topP: 0 },
      /topP must be a number above 0/,
    ));
  test('inspect/attention: a handle that is not one', () =>
    refused(
      'inspect/attention',
      { handle: '../x', layer: 0, head: 0 },
      /handle must be a handle the engine gave out/,
    ));
  test('model/generate: logprobs 21', () =>
    refused('model/generate', { ...prompt, logprobs: 21 }, /logprobs must be a whole number from 0 to 20/));
  test('model/tokenize: a text and messages at once', () =>
    refused('model/tokenize', { text: 'x', messages: [] }, /not both/));
  test('model/tokenize: addSpecialTokens with messages', () =>
    refused(
      'model/tokenize',
      { messages: [], addSpecialTokens: true },
      /addSpecialTokens applies to a text/,
    ));
  test('model/tokenize: pieces "yes"', () =>
    refused('model/tokenize', { text: 'x', pieces: 'yes' }, /pieces must be/));
  test('model/detokenize: an id that is not whole', () =>
    refused('model/detokenize', { ids: [1, 2.5] }, /ids\[1\] must be a whole number/));
  test('model/detokenize: ids as a string', () =>
    refused('model/detokenize', { ids: '1 2' }, /ids must be a list/));
  test('params that are not an object', () => refused('model/score', 'text', /params must be an object/));

  test('an unknown method is its own code, named in the message', async () => {
    assert.deepEqual(await answer('model/explode', {}), {
      code: 'unknown-method',
      message: 'Unknown engine method: "model/explode"',
    });
    // names inherited from Object.prototype are not methods either
    assert.equal(((await answer('constructor', {})) as { code: string }).code, 'unknown-method');
  });

  test('checked params reach the handler: a good request still runs', async () => {
    assert.equal(await answer('model/load', { dir: bundledModel, ep: 'cpu', threads: 1 }), 'ok');
    assert.equal(
      await answer('model/generate', { ...prompt, temperature: 0.5, topP: 0.9, topK: 5, seed: 3 }),
      'ok',
    );
  });

  test('model/detokenize: an id past the vocabulary is out-of-range (the handler knows the model)', async () => {
    const reply = await answer('model/detokenize', { ids: [1, 1_000_000] });
    assert.notEqual(reply, 'ok');
    if (reply !== 'ok') assert.equal(reply.code, 'out-of-range');
  });

  test('model/generate (text) and model/score (progress) stream; every other method answers once', () => {
    const streaming = Object.entries(service.methods).flatMap(([name, spec]) => (spec.streams ? [name] : []));
    assert.deepEqual(streaming, ['model/generate', 'model/score']);
  });
});
