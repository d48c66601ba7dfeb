// The engine client's liveness check and deadlines against dist/engine.js: SIGSTOP, quick-method timeouts, pings during a load.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineCallError, EngineClient, type EngineClientOptions } from '../../../src/client/engine-client';
import { bundledModel, repoRoot } from '../../support/model-folder';

const enginePath = join(repoRoot, 'dist', 'engine.js');
const clients: EngineClient[] = [];
/** Engines this file stopped: SIGKILLed at the end whatever happened (a stopped process ignores SIGTERM). */
const stopped: number[] = [];

function client(options: EngineClientOptions = {}): EngineClient {
  const c = new EngineClient({ enginePath, ...options });
  clients.push(c);
  return c;
}

function stop(pid: number): void {
  stopped.push(pid);
  process.kill(pid, 'SIGSTOP');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const load = { dir: bundledModel, ep: 'cpu', threads: 1 } as const;

before(() => assert.ok(existsSync(enginePath), `${enginePath} is missing: run npm run build first`));
after(() => {
  for (const c of clients) c.dispose();
  for (const pid of stopped) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('engine client liveness', () => {
  test(
    'an engine stopped (SIGSTOP) mid-generation fails the call with engine-unresponsive within the deadline; the next call restarts it with the model',
    { timeout: 20_000 },
    async () => {
      const exits: (NodeJS.Signals | null)[] = [];
      const c = client({
        livenessIntervalMs: 200,
        livenessTimeoutMs: 1500,
        onExit: (e) => exits.push(e.signal),
      });
      await c.request('model/load', load);
      const pid = c.pid as number;
      let stoppedAt = 0;
      const run = c.stream('model/generate', { prompt: 'x', greedy: true, maxNewTokens: 400 }, (chunk) => {
        if (chunk.kind === 'text' && stoppedAt === 0) {
          stoppedAt = performance.now();
          stop(pid);
        }
      });
      await assert.rejects(run, (e: unknown) => {
        assert.ok(e instanceof EngineCallError);
        assert.equal(e.code, 'engine-unresponsive');
        assert.match(e.message, /^model\/generate: the engine stopped answering for 1.5 s and was killed/);
        return true;
      });
      // the deadline (less a ping sent just before the stop), at most one interval before the ping, slack for a busy machine
      const waited = performance.now() - stoppedAt;
      assert.ok(waited >= 1300 && waited < 3500, `rejected after ${waited.toFixed(0)} ms`);
      assert.equal(c.pid, undefined);

      const info = await c.request('model/info', undefined);
      assert.equal(info?.name, 'glassbox-tiny', 'the restarted engine has the model again');
      assert.notEqual(c.pid, pid);
      const chunks: string[] = [];
      await c.stream('model/generate', { prompt: 'let x', greedy: true, maxNewTokens: 3 }, (k) => {
        if (k.kind === 'text') chunks.push(k.text);
      });
      assert.ok(chunks.length > 0);
      assert.deepEqual(exits, ['SIGKILL']);
      assert.equal(alive(pid), false, 'the stopped engine was killed');
    },
  );

  test(
    'a quick method has a deadline of its own: timeout, and the engine is left running',
    { timeout: 20_000 },
    async () => {
      const c = client({ quickTimeoutMs: 1000 });
      await c.request('model/load', load); // no deadline: a fresh engine may take a while to start
      const pid = c.pid as number;
      stop(pid);
      const t0 = performance.now();
      await assert.rejects(c.request('model/tokenize', { text: 'x' }), (e: unknown) => {
        assert.ok(e instanceof EngineCallError);
        assert.equal(e.code, 'timeout');
        assert.match(e.message, /^model\/tokenize: the engine did not answer within 1 s/);
        return true;
      });
      const waited = performance.now() - t0;
      assert.ok(waited >= 1000 && waited < 2500, `rejected after ${waited.toFixed(0)} ms`);
      // nothing in flight: the liveness check does not kill an engine nobody waits on
      assert.equal(c.pid, pid);
      process.kill(pid, 'SIGCONT');
      assert.deepEqual(await c.request('engine/ping', undefined), { pong: true });
    },
  );

  test(
    'idle, the client sends no pings; with nothing in flight nothing is killed',
    { timeout: 20_000 },
    async () => {
      const c = client({ livenessIntervalMs: 50, livenessTimeoutMs: 2000 });
      await c.request('model/info', undefined);
      const pid = c.pid as number;
      stop(pid);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(alive(pid), true);
      assert.equal(c.pid, pid);
      process.kill(pid, 'SIGCONT');
    },
  );

  // model/load blocks the engine's model thread for most of its length (ORT creates the session synchronously); pings
  // are answered by the engine's IPC thread, so they no longer wait for the load.
  test(
    'a ping sent while the model loads is answered at once, not after the load',
    { timeout: 20_000 },
    async () => {
      const c = client();
      await c.request('model/info', undefined); // the engine is up and its model code is loaded
      const latencies: number[] = [];
      const t0 = performance.now();
      let loading = true;
      const loaded = c.request('model/load', load).finally(() => (loading = false));
      const pings: Promise<void>[] = [];
      const timer = setInterval(() => {
        if (!loading) return;
        const sent = performance.now();
        pings.push(
          c.request('engine/ping', undefined).then(() => void latencies.push(performance.now() - sent)),
        );
      }, 10);
      await loaded;
      const loadMs = performance.now() - t0;
      clearInterval(timer);
      await Promise.all(pings);
      const worst = Math.max(...latencies);
      const say = `worst ping ${worst.toFixed(0)} ms of ${latencies.length} during a ${loadMs.toFixed(0)} ms load`;
      assert.ok(latencies.length >= 5, say);
      // a blocked engine answers a ping only after the session is created: most of the load
      assert.ok(worst < 300 && worst < loadMs / 3, say);
    },
  );
});
