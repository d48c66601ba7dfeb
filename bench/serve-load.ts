// Load on `glassbox serve`: N chat requests, C at a time, against 127.0.0.1; latency percentiles, 429s, server memory.
// Run: node --import tsx bench/serve-load.ts [--requests 200] [--concurrency 8] [--max-queue 4] [--max-tokens 4]
// (needs npm run build: it starts dist/cli.js serve on a free port, and stops it afterwards).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  requests: number;
  concurrency: number;
  ok: number;
  /** 429 answers; each one must carry Retry-After (`retryAfterMissing` counts those that did not). */
  rejected: number;
  retryAfterMissing: number;
  /** Anything else: other statuses and network errors, with one example. */
  failed: number;
  firstFailure?: string;
  /** Latency of answered requests (200 and 429), ms. */
  p50: number;
  p99: number;
  wallMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

/** Sends `requests` chat completions, `concurrency` at a time; every request ends (answer, 429 or error) by `timeoutMs`. */
export async function runLoad(
  url: string,
  options: { requests: number; concurrency: number; maxTokens: number; timeoutMs?: number },
): Promise<LoadResult> {
  const body = JSON.stringify({
    messages: [{ role: 'user', content: 'Write a loop.' }],
    max_tokens: options.maxTokens,
    temperature: 0,
  });
  const latencies: number[] = [];
  const r: LoadResult = {
    requests: options.requests,
    concurrency: options.concurrency,
    ok: 0,
    rejected: 0,
    retryAfterMissing: 0,
    failed: 0,
    p50: 0,
    p99: 0,
    wallMs: 0,
  };
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < options.requests) {
      next++;
      const s = performance.now();
      try {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
        const text = await res.text();
        latencies.push(performance.now() - s);
        if (res.status === 200) r.ok++;
        else if (res.status === 429) {
          r.rejected++;
          if (!res.headers.get('retry-after')) r.retryAfterMissing++;
        } else {
          r.failed++;
          r.firstFailure ??= `${res.status} ${text.slice(0, 200)}`;
        }
      } catch (e) {
        r.failed++;
        r.firstFailure ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  r.wallMs = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  r.p50 = percentile(latencies, 50);
  r.p99 = percentile(latencies, 99);
  return r;
}

/** The processes whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // ended while listed
    }
  }
  return out;
}

/** VmRSS of a process, MiB. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const requests = arg('requests', 200);
  const concurrency = arg('concurrency', 8);
  const maxQueue = arg('max-queue', 4);
  const maxTokens = arg('max-tokens', 4);
  const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', '0', '--ep', 'cpu', '--max-queue', String(maxQueue)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => {
        out += t;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`glassbox serve exited (${code})`)));
    });
    const pid = child.pid as number;
    const memory = () => {
      const engine = childPids(pid)[0];
      return { server: rssMiB(pid), engine: engine === undefined ? 0 : rssMiB(engine) };
    };
    await runLoad(url, { requests: 40, concurrency, maxTokens }); // warm-up
    const before = memory();
    const r = await runLoad(url, { requests, concurrency, maxTokens });
    const afterLoad = memory();
    const f = (n: number) => n.toFixed(1);
    console.log(
      `glassbox serve load: ${r.requests} requests, ${r.concurrency} at a time, --max-queue ${maxQueue}, max_tokens ${maxTokens}`,
    );
    console.log(
      `  answered ${r.ok}, 429 ${r.rejected} (without Retry-After: ${r.retryAfterMissing}), failed ${r.failed}${r.firstFailure ? ` (${r.firstFailure})` : ''}`,
    );
    console.log(
      `  latency p50 ${f(r.p50)} ms, p99 ${f(r.p99)} ms; wall ${f(r.wallMs)} ms (${f((r.requests * 1000) / r.wallMs)} requests/s)`,
    );
    console.log(`  RSS after warm-up: server ${f(before.server)} MiB, engine ${f(before.engine)} MiB`);
    console.log(`  RSS after the run: server ${f(afterLoad.server)} MiB, engine ${f(afterLoad.engine)} MiB`);
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) void main(process.argv.slice(2));
