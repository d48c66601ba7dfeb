// Asking before code goes to a server on another machine: never for loopback, once per host, a no remembered as nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmServer, type ConsentStore } from '../../../src/host/models/server-consent';

function memory(): ConsentStore & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string) => values.get(key) as T | undefined,
    update: async (key: string, value: unknown) => void values.set(key, value),
  };
}

function asker(answers: boolean[]): { ask: (host: string) => Promise<boolean>; asked: string[] } {
  const asked: string[] = [];
  return { asked, ask: async (host) => (asked.push(host), answers.shift() ?? false) };
}

test('a loopback server is never asked about', async () => {
  const store = memory();
  const { ask, asked } = asker([]);
  for (const u of [
    'http://127.0.0.1:8080',
    'http://localhost:11434',
    'http://[::1]:8000',
    'http://[::ffff:127.0.0.1]:1',
  ])
    await confirmServer(new URL(u), store, ask);
  assert.deepEqual(asked, []);
});

test('another host is asked about once, by host and port; a yes is remembered', async () => {
  const store = memory();
  const { ask, asked } = asker([true, true]);
  await confirmServer(new URL('http://gpu-box:8000/v1'), store, ask);
  await confirmServer(new URL('http://gpu-box:8000'), store, ask);
  assert.deepEqual(asked, ['gpu-box:8000']);
  // the same name on another port is another server
  await confirmServer(new URL('http://gpu-box:9000'), store, ask);
  assert.deepEqual(asked, ['gpu-box:8000', 'gpu-box:9000']);
});

test('a no throws, says how to be asked again, and remembers nothing', async () => {
  const store = memory();
  const { ask, asked } = asker([false, true]);
  await assert.rejects(
    confirmServer(new URL('https://10.0.0.5:8000'), store, ask),
    /sends nothing to 10\.0\.0\.5:8000 until you allow it: run "Glassbox: Reload Model"/,
  );
  assert.equal(store.values.size, 0);
  await confirmServer(new URL('https://10.0.0.5:8000'), store, ask);
  assert.deepEqual(asked, ['10.0.0.5:8000', '10.0.0.5:8000']);
});
