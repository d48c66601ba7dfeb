// Server-sent events: headers only with the first event (so an error before it is still an HTTP status), then data lines.
import type { ServerResponse } from 'node:http';

export class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  /** Whether the client is still there to read. */
  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** Sends `data: <text>` (one line: JSON never holds a raw newline). */
  send(text: string): void {
    if (!this.open) return;
    if (!this.res.headersSent) {
      this.res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
    }
    this.res.write(`data: ${text}\n\n`);
  }

  end(): void {
    if (this.open) this.res.end();
  }
}
