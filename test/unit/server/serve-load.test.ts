// A bounded load on glassbox serve (200 requests, 8 at a time, --max-queue 4): each answered or 429, memory back near baseline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { childPids, rssMiB, runLoad } from '../../../bench/serve-load';
import { serve, type Served } from '../../support/serve-process';

/** RSS growth allowed per process between the warm-up and the end of the run (the run itself grows nothing it keeps). */
const TOLERANCE_MIB = 32;

let server: Served;
before(async () => (server = await serve(['--max-queue', '4'])));
after(() => server.stop());

test(
  '200 requests, 8 at a time: every one answered or 429 with Retry-After, none hangs, memory stays',
  { timeout: 120_000 },
  async (t) => {
    const pid = server.child.pid as number;
    const engines = childPids(pid);
    assert.equal(engines.length, 1, 'the server runs one engine child');
    const engine = engines[0] as number;
    const memory = () => ({ server: rssMiB(pid), engine: rssMiB(engine) });

    const warm = await runLoad(server.url, { requests: 40, concurrency: 8, maxTokens: 4, timeoutMs: 30_000 });
    assert.equal(warm.failed, 0, warm.firstFailure);
    const baseline = memory();
    const r = await runLoad(server.url, { requests: 200, concurrency: 8, maxTokens: 4, timeoutMs: 30_000 });
    const end = memory();
    t.diagnostic(
      `answered ${r.ok}, 429 ${r.rejected}, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, wall ${r.wallMs.toFixed(0)} ms; ` +
        `RSS server ${baseline.server.toFixed(1)} -> ${end.server.toFixed(1)} MiB, engine ${baseline.engine.toFixed(1)} -> ${end.engine.toFixed(1)} MiB`,
    );
    assert.equal(r.failed, 0, r.firstFailure);
    assert.equal(r.ok + r.rejected, 200);
    assert.ok(r.ok > 0 && r.rejected > 0, 'with 8 clients and 4 places, some are served and some refused');
    assert.equal(r.retryAfterMissing, 0);
    assert.ok(
      end.server - baseline.server < TOLERANCE_MIB,
      `server RSS ${baseline.server} -> ${end.server} MiB`,
    );
    assert.ok(
      end.engine - baseline.engine < TOLERANCE_MIB,
      `engine RSS ${baseline.engine} -> ${end.engine} MiB`,
    );
    assert.equal(childPids(pid).length, 1, 'still one engine: it never crashed');
    // nothing is left holding a place: a request right after is served
    const after = await runLoad(server.url, { requests: 1, concurrency: 1, maxTokens: 1 });
    assert.equal(after.ok, 1);
  },
);
