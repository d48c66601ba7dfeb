// Keeps the context meter's numbers current: chat/contextUse debounced after changes, stale answers dropped.
import type { ContextUse } from '../../src/protocol/panel-methods';

export class ContextTracker {
  /** The latest numbers for the current conversation and draft, or null before the first answer. */
  use: ContextUse | null = null;
  /** Why the numbers could not be had, when the last request failed. */
  error: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  private latest: Promise<ContextUse | null> | null = null;
  private dirty = true;

  constructor(
    private readonly query: () => Promise<ContextUse>,
    private readonly onChange: () => void,
    private readonly delayMs = 250,
  ) {}

  /** The inputs changed: ask again once they have been quiet for `delayMs`. */
  schedule(): void {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), this.delayMs);
  }

  /** Asks now; answers that arrive after a newer request was sent are dropped. */
  refresh(): Promise<ContextUse | null> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    const seq = ++this.seq;
    this.latest = this.query().then(
      (use) => {
        if (seq === this.seq) {
          this.use = use;
          this.error = null;
          this.onChange();
        }
        return use;
      },
      (error: unknown) => {
        if (seq === this.seq) {
          this.error = error instanceof Error ? error.message : String(error);
          this.onChange();
        }
        return null;
      },
    );
    return this.latest;
  }

  /** Numbers for the inputs as they are now: the request in flight if it is current, else a new one. */
  current(): Promise<ContextUse | null> {
    if (!this.dirty && this.latest) return this.latest;
    return this.refresh();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
