// Unit tests for the built bundles and protocol helpers: engine/ping over IPC, manifest entry files, model display names.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isReply } from '../../src/protocol/envelope-guards';
import { EXECUTION_PROVIDER_CHOICES } from '../../src/protocol/engine-methods';
import type { Reply, Request } from '../../src/protocol/envelope';
import { modelDisplayName } from '../../src/protocol/model-name';

const root = join(import.meta.dirname, '..', '..');
const enginePath = join(root, 'dist', 'engine.js');

/** Forks the built engine, sends one request, resolves with its first reply (or rejects after 10 s). */
function askEngine(request: Request): Promise<Reply> {
  assert.ok(existsSync(enginePath), `${enginePath} is missing: run npm run build first`);
  const child = fork(enginePath, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let timer: NodeJS.Timeout | undefined;
  return new Promise<Reply>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('engine did not reply within 10 s')), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`engine exited (code ${code}) before replying`)));
    child.once('message', (message: unknown) => {
      if (isReply(message)) resolve(message);
      else reject(new Error(`engine sent a non-reply: ${JSON.stringify(message)}`));
    });
    child.send(request);
  }).finally(() => {
    clearTimeout(timer);
    if (child.connected) child.disconnect();
  });
}

test('engine answers engine/ping with a reply envelope', async () => {
  const reply = await askEngine({ id: 7, method: 'engine/ping' });
  assert.deepEqual(reply, { id: 7, result: { pong: true } });
});

test('engine answers an unknown method with an error envelope carrying the same id', async () => {
  const reply = await askEngine({ id: 'x1', method: 'engine/nope' });
  assert.equal(reply.id, 'x1');
  assert.ok('error' in reply, 'expected an error reply');
  assert.equal(reply.error.code, 'unknown-method');
});

test("package.json's main and bin files exist after build", () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main: string;
    bin: Record<string, string>;
  };
  const files = [manifest.main, ...Object.values(manifest.bin)];
  assert.ok(files.length >= 2);
  for (const file of files) assert.ok(existsSync(join(root, file)), `${file} is missing`);
});

test("the manifest's glassbox.executionProvider choices are the protocol's list", () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { enum?: string[] }> } };
  };
  const setting = manifest.contributes.configuration.properties['glassbox.executionProvider'];
  assert.deepEqual(setting?.enum, [...EXECUTION_PROVIDER_CHOICES]);
});

test('a Hugging Face cache snapshot is called by its repository, other folders by their name', () => {
  assert.equal(
    modelDisplayName(
      '/home/u/.cache/huggingface/hub/models--onnx-community--Qwen3-0.6B-ONNX/snapshots/0123abcd',
    ),
    'Qwen3-0.6B-ONNX',
  );
  assert.equal(modelDisplayName('C:\\Users\\u\\hub\\models--org--My-Model\\snapshots\\abc\\'), 'My-Model');
  assert.equal(modelDisplayName('/models/glassbox-tiny'), 'glassbox-tiny');
  assert.equal(modelDisplayName('/x/snapshots/abc'), 'abc');
});
