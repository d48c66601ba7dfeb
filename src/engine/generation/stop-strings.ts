// Stop strings over streamed text: finds the first stop string and holds back text that could still become one.

export class StopStringWatcher {
  private text = '';
  private emitted = 0;
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = Math.max(0, ...stops.map((s) => s.length));
  }

  /** Adds newly decoded text; returns what may be shown now and whether a stop string was completed. */
  push(chunk: string): { emit: string; stopped: boolean } {
    this.text += chunk;
    if (this.stops.length === 0) return this.release(this.text.length, false);
    // A stop string can only end inside the new chunk, so it starts at most `longest` before it.
    const from = Math.max(0, this.text.length - chunk.length - this.longest + 1);
    let at = -1;
    for (const s of this.stops) {
      if (s === '') continue;
      const i = this.text.indexOf(s, from);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at >= 0) {
      this.text = this.text.slice(0, at);
      return this.release(at, true);
    }
    return this.release(this.text.length - this.heldBack(), false);
  }

  /** Everything not yet shown (at the end of generation nothing can become a stop string any more). */
  flush(): string {
    return this.release(this.text.length, false).emit;
  }

  /** The full text so far, stop string excluded. */
  get fullText(): string {
    return this.text;
  }

  /** Length of the longest tail of the text that is a proper prefix of some stop string. */
  private heldBack(): number {
    let hold = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.text.length); n > hold; n--) {
        if (this.text.endsWith(s.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    return hold;
  }

  private release(upTo: number, stopped: boolean): { emit: string; stopped: boolean } {
    let end = Math.max(upTo, this.emitted);
    // Never split a surrogate pair between two chunks.
    const c = this.text.charCodeAt(end - 1);
    if (end > this.emitted && c >= 0xd800 && c <= 0xdbff && end < this.text.length) end--;
    const emit = this.text.slice(this.emitted, end);
    this.emitted = end;
    return { emit, stopped };
  }
}
