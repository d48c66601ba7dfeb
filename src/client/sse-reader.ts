// Server-sent events: splits a byte stream into events (data lines, multi-line data, comments, CRLF) as the spec says.

/** One dispatched event: its `data` lines joined with "\n", and its `event` name when the server gave one. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * An incremental SSE parser (the WHATWG event-stream rules): feed it decoded text in any pieces; it calls `onEvent` for
 * every event a blank line ends. Lines starting with `:` are comments; `id` and `retry` are ignored; a field with no
 * colon is a field with an empty value. llama.cpp's server writes an error as an `error: {...}` line: that field is
 * reported as an event named `error`.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  /** The previous piece ended with "\r": a "\n" starting the next piece belongs to that line end. */
  private afterCr = false;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  push(text: string): void {
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = false;
    this.buffer += text;
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer.slice(start));
      if (!match) break;
      const end = start + match.index;
      // a lone "\r" at the very end may be the first half of "\r\n"
      if (match[0] === '\r' && end + 1 === this.buffer.length) this.afterCr = true;
      this.line(this.buffer.slice(start, end));
      start = end + match[0].length;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: an event whose blank line never came is dispatched too (servers that end without one). */
  end(): void {
    if (this.buffer !== '') this.line(this.buffer);
    this.buffer = '';
    this.dispatch();
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'error') {
      this.dispatch();
      this.onEvent({ event: 'error', data: value });
    }
  }

  private dispatch(): void {
    if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
    this.data = [];
    this.event = '';
  }
}
