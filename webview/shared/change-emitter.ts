// Base of the webview's stores: a version bumped on every change and one 'change' event per microtask.
export class ChangeEmitter extends EventTarget {
  /** Bumped on every change; views pass it down so they re-render. */
  version = 0;
  private queued = false;

  /** Views update once per microtask however many changes came. */
  emit(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.version++;
      this.dispatchEvent(new Event('change'));
    });
  }
}
