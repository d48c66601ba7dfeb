// How many model requests the server holds at once (running and waiting); one more is refused with 429.
import { HttpError } from './http-errors';

export class Admission {
  private held = 0;
  constructor(
    /** Model requests held at most: the engine runs one, the rest wait in its queue. */
    readonly max: number,
    /** Seconds a refused client is told to wait (Retry-After). */
    private readonly retryAfterS = 1,
  ) {}

  get count(): number {
    return this.held;
  }

  /** Takes a place or throws 429 queue-full; the returned function gives the place back (once). */
  enter(): () => void {
    if (this.held >= this.max) {
      throw new HttpError(
        429,
        'queue-full',
        `the server is busy: ${this.held} model requests are running or waiting (--max-queue ${this.max}); retry later`,
        null,
        { 'retry-after': String(this.retryAfterS) },
      );
    }
    this.held++;
    let left = false;
    return () => {
      if (!left) this.held--;
      left = true;
    };
  }
}
