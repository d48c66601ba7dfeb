// One HTTP client for every remote backend: URL joining, API key, deadlines, cancel, error mapping, JSON and SSE bodies.
import { EngineCallError } from './engine-client';
import { httpError, serverMessage } from './http-errors';
import { SseParser, type SseEvent } from './sse-reader';

export interface RemoteTimeouts {
  /** Quick calls (probes, info, tokenize): from sending the request to the whole answer read (default 10 s). */
  quickMs?: number;
  /** Long calls and streams: from sending the request to the response headers (default 60 s). */
  firstByteMs?: number;
  /** Long calls and streams: the longest silence between two pieces of the body (default 60 s). */
  idleMs?: number;
}

export interface HttpClientOptions {
  /** The server, with or without a trailing `/v1` (and with or without a trailing slash). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The fetch to use (default: Node's global fetch); the host passes one that goes through VS Code's proxy. */
  fetch?: typeof fetch;
  timeouts?: RemoteTimeouts;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Long: the first-byte and idle deadlines instead of the quick one (generation, inspection). */
  long?: boolean;
}

export interface JsonCallOptions extends CallOptions {
  /** Turns the body into text (default JSON.stringify). */
  encode?: (body: unknown) => string;
  /** Parses the answer (default JSON.parse); throwing means the answer is not what was promised. */
  decode?: (text: string) => unknown;
}

/** What a stream handler returns: `stop` ends reading (the request is closed) and resolves the call. */
export type StreamControl = 'stop' | void;

const DEFAULTS = { quickMs: 10_000, firstByteMs: 60_000, idleMs: 60_000 };

/** "10 s", "0.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** `http://host:8000/v1/` -> `http://host:8000`; the base every path is joined to. */
export function serverRoot(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new EngineCallError('bad-params', `the server address is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EngineCallError(
      'bad-params',
      `the server address must start with http:// or https:// (got ${url.protocol})`,
    );
  if (url.username || url.password)
    throw new EngineCallError(
      'bad-params',
      'the server address must not hold credentials; give the API key instead',
    );
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

/** The deadline and cancel of one request: aborts its fetch and remembers why, so the error can say so. */
class Guard {
  readonly controller = new AbortController();
  private why: { code: 'cancelled' | 'timeout'; message: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.abort('cancelled', 'was cancelled');

  constructor(
    private readonly what: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** (Re)starts the deadline: after `ms` without another arm() the request is aborted with `timeout`. */
  arm(ms: number, message: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abort('timeout', `${message} ${seconds(ms)}`), ms);
  }

  abort(code: 'cancelled' | 'timeout', message: string): void {
    this.why ??= { code, message };
    this.controller.abort();
  }

  close(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  /** The cancel or timeout that stopped the request, if one did (it wins over what the abort broke). */
  failedFirst(): EngineCallError | undefined {
    return this.why && new EngineCallError(this.why.code, `${this.what} ${this.why.message}`);
  }

  /** The EngineCallError for whatever `error` broke the request (`answered`: the response headers had come). */
  fail(error: unknown, answered: boolean): EngineCallError {
    if (this.why) return new EngineCallError(this.why.code, `${this.what} ${this.why.message}`);
    if (error instanceof EngineCallError) return error;
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const cause = e.cause?.code ?? e.cause?.message ?? e.message;
    if (answered) {
      return new EngineCallError(
        'bad-response',
        `${this.what}: the connection broke while reading the answer (${cause})`,
      );
    }
    return new EngineCallError('server-unreachable', `${this.what}: the server cannot be reached (${cause})`);
  }
}

export class HttpJson {
  /** The server's address without `/v1` or a trailing slash. */
  readonly root: string;
  private readonly fetch: typeof fetch;
  private readonly timeouts: Required<RemoteTimeouts>;

  constructor(private readonly options: HttpClientOptions) {
    this.root = serverRoot(options.baseUrl);
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeouts = { ...DEFAULTS, ...options.timeouts };
  }

  url(path: string): string {
    return `${this.root}${path.startsWith('/') ? path : `/${path}`}`;
  }

  getJson(path: string, options: JsonCallOptions = {}): Promise<unknown> {
    return this.json('GET', path, undefined, options);
  }

  postJson(path: string, body: unknown, options: JsonCallOptions = {}): Promise<unknown> {
    return this.json('POST', path, body, options);
  }

  /**
   * POSTs `body` and reads the answer as server-sent events: `onEvent` gets each event's data parsed (`decode`), until
   * it returns `stop`, a `data: [DONE]` arrives or the server closes the stream. An `error` event (llama.cpp) or an
   * answer that is JSON instead of a stream fails the call with the server's words.
   */
  async postStream(
    path: string,
    body: unknown,
    onEvent: (data: unknown) => StreamControl,
    options: JsonCallOptions = {},
  ): Promise<void> {
    const what = `POST ${this.url(path)}`;
    const guard = new Guard(what, options.signal);
    let answered = false;
    let handlerError: { error: unknown } | undefined;
    try {
      const response = await this.send('POST', path, body, options, guard, 'text/event-stream', true);
      answered = true;
      const type = response.headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        const text = await this.readText(response, guard, true);
        const { message } = serverMessage(text);
        const error = /"error"/.test(text);
        throw new EngineCallError(
          error ? 'server-error' : 'bad-response',
          `${what}: ${error ? `the server answered with an error: ${message}` : 'the server answered JSON instead of an event stream'}`,
        );
      }
      const decode = options.decode ?? JSON.parse;
      let stopped = false;
      const parser = new SseParser((event: SseEvent) => {
        if (stopped) return;
        if (event.event === 'error') {
          throw new EngineCallError(
            'server-error',
            `${what}: the server reported an error: ${serverMessage(event.data).message}`,
          );
        }
        if (event.data === '[DONE]') {
          stopped = true;
          return;
        }
        let data: unknown;
        try {
          data = decode(event.data);
        } catch {
          throw new EngineCallError('bad-response', `${what}: an event is not JSON: ${snippet(event.data)}`);
        }
        try {
          if (onEvent(data) === 'stop') stopped = true;
        } catch (e) {
          // the caller's own failure (a bad chunk, its handler's error) ends the stream as it is
          handlerError = { error: e };
          stopped = true;
        }
      });
      await this.readBody(response, guard, true, (text) => {
        parser.push(text);
        return stopped;
      });
      if (!stopped) parser.end();
      if (handlerError) throw handlerError.error;
    } catch (e) {
      if (e instanceof EngineCallError || (e as object) === handlerError?.error)
        throw guard.failedFirst() ?? e;
      throw guard.fail(e, answered);
    } finally {
      guard.close();
      // closes the connection if reading stopped early ([DONE] before the server's end, an error, a cancel)
      guard.controller.abort();
    }
  }

  private async json(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: JsonCallOptions,
  ): Promise<unknown> {
    const what = `${method} ${this.url(path)}`;
    const guard = new Guard(what, options.signal);
    let answered = false;
    try {
      const response = await this.send(
        method,
        path,
        body,
        options,
        guard,
        'application/json',
        options.long ?? false,
      );
      answered = true;
      const text = await this.readText(response, guard, options.long ?? false);
      try {
        return (options.decode ?? JSON.parse)(text);
      } catch {
        throw new EngineCallError('bad-response', `${what}: the answer is not JSON: ${snippet(text)}`);
      }
    } catch (e) {
      throw guard.fail(e, answered);
    } finally {
      guard.close();
      guard.controller.abort();
    }
  }

  /** Sends the request; resolves with a 2xx response, else throws the status's error (with the server's words). */
  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: JsonCallOptions,
    guard: Guard,
    accept: string,
    long: boolean,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (method === 'POST') headers['content-type'] = 'application/json';
    if (long) guard.arm(this.timeouts.firstByteMs, 'got no answer within');
    else guard.arm(this.timeouts.quickMs, 'got no answer within');
    const response = await this.fetch(this.url(path), {
      method,
      headers,
      ...(method === 'POST' ? { body: (options.encode ?? JSON.stringify)(body) } : {}),
      signal: guard.controller.signal,
    });
    if (!response.ok) {
      const text = await this.readText(response, guard, long).catch(() => '');
      throw httpError(
        response.status,
        response.statusText,
        text,
        response.headers.get('retry-after'),
        `${method} ${this.url(path)}`,
      );
    }
    return response;
  }

  private async readText(response: Response, guard: Guard, long: boolean): Promise<string> {
    let text = '';
    await this.readBody(response, guard, long, (piece) => {
      text += piece;
      return false;
    });
    return text;
  }

  /** Reads the body as text pieces (UTF-8); long reads re-arm the idle deadline on every piece. `onText` true: stop. */
  private async readBody(
    response: Response,
    guard: Guard,
    long: boolean,
    onText: (text: string) => boolean,
  ): Promise<void> {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    const idle = () => long && guard.arm(this.timeouts.idleMs, 'stopped answering for');
    idle();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      idle();
      if (onText(decoder.decode(value, { stream: true }))) {
        await reader.cancel().catch(() => undefined);
        return;
      }
    }
    const rest = decoder.decode();
    if (rest) onText(rest);
  }
}

function snippet(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 120 ? `${t.slice(0, 120)}…` : t);
}
