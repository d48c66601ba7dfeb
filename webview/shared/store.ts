// The one store shape (panel, inspector, step): state in fields, actions as methods, one 'change' event per microtask.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Base of the webview's stores. Views read a store's fields and call its methods; only the store's own actions
 * change its fields (and fetch what the state needs), then call emit().
 */
export abstract class Store extends EventTarget {
  /** Bumped on every change; views pass it down so they re-render. */
  version = 0;
  private queued = false;

  /** Calls `listener` after each batch of changes; returns a function that stops it. */
  subscribe(listener: () => void): () => void {
    this.addEventListener('change', listener);
    return () => this.removeEventListener('change', listener);
  }

  /** Says the state changed: views update once per microtask however many changes came. */
  protected emit(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.version++;
      this.dispatchEvent(new Event('change'));
    });
  }

  /** Runs a request to the host; a failure is shown as `what` through `showError`; emits a change either way. */
  protected async attempt(
    what: string,
    action: () => Promise<unknown>,
    showError: (what: string, error: unknown) => void,
  ): Promise<void> {
    try {
      await action();
    } catch (error) {
      showError(what, error);
    } finally {
      this.emit();
    }
  }
}

/** Re-renders the element that shows a store (its `store` property) after each batch of the store's changes. */
export class StoreWatcher implements ReactiveController {
  private stop: (() => void) | null = null;

  constructor(private readonly host: ReactiveControllerHost & { store: Store }) {
    host.addController(this);
  }

  hostConnected(): void {
    this.stop = this.host.store.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.stop?.();
    this.stop = null;
  }
}
