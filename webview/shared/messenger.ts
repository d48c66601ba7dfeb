// The panel's one link to its host: typed requests with replies, host notifications, saved UI state (docs/ARCHITECTURE.md, "The protocol").
import type { RequestId } from '../../src/protocol/envelope';
import type {
  PanelMethod,
  PanelNotification,
  PanelNotifications,
  PanelParams,
  PanelResult,
} from '../../src/protocol/panel-methods';
import { decodeTypedArrays } from './typed-arrays';

/** One host notification, narrowed by its method. */
export type HostNotification = {
  [N in PanelNotification]: { method: N; params: PanelNotifications[N] };
}[PanelNotification];

/** What the UI needs from its host; tests give the page their own `acquireVsCodeApi`, never another messenger. */
export interface Messenger {
  /** Sends a request; resolves with its result, rejects with a RequestError when the host answers an error. */
  request<M extends PanelMethod>(method: M, params: PanelParams<M>): Promise<PanelResult<M>>;
  /** Calls `handler` for every notification; returns a function that stops it. */
  onNotification(handler: (notification: HostNotification) => void): () => void;
  /** The UI state saved with setState (survives hiding and reloads), or undefined. */
  getState(): unknown;
  setState(state: unknown): void;
}

/**
 * An error as the webview reads it from a reply: the host's message and code, the code any string (the reply is
 * untrusted input, and 'error' stands in when it has none).
 */
interface HostError {
  code: string;
  message: string;
}

/** The host answered a request with an error. */
export class RequestError extends Error {
  readonly code: string;
  constructor(info: HostError) {
    super(info.message);
    this.name = 'RequestError';
    this.code = info.code;
  }
}

/** The object VS Code gives a webview once. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function errorInfo(v: unknown): HostError {
  if (isObject(v) && typeof v.message === 'string') {
    return { code: typeof v.code === 'string' ? v.code : 'error', message: v.message };
  }
  return { code: 'error', message: 'The host reported an error without a message.' };
}

/**
 * The production messenger: requests go out with postMessage, replies and notifications come in as window
 * `message` events. A reply is any message without `method` whose `id` is pending (JSON drops `result: undefined`).
 * Typed arrays (token bytes, attention weights) are decoded here, once, for every message: nothing after this
 * sees anything but real Uint8Array / Float32Array values.
 */
export function createVsCodeMessenger(
  api: VsCodeApi = acquireVsCodeApi(),
  source: Window = window,
): Messenger {
  let nextId = 1;
  const pending = new Map<RequestId, Pending>();
  const handlers = new Set<(notification: HostNotification) => void>();

  source.addEventListener('message', (event: MessageEvent) => {
    const data = decodeTypedArrays(event.data);
    if (!isObject(data)) return;
    if (typeof data.method === 'string' && data.id === undefined) {
      const notification = { method: data.method, params: data.params } as HostNotification;
      for (const handler of handlers) {
        try {
          handler(notification);
        } catch (error) {
          console.error(`[glassbox] notification ${data.method} failed`, error);
        }
      }
      return;
    }
    if ((typeof data.id === 'number' || typeof data.id === 'string') && data.method === undefined) {
      const waiting = pending.get(data.id);
      if (!waiting) return;
      pending.delete(data.id);
      if ('error' in data && data.error !== undefined)
        waiting.reject(new RequestError(errorInfo(data.error)));
      else waiting.resolve(data.result);
    }
  });

  return {
    request<M extends PanelMethod>(method: M, params: PanelParams<M>): Promise<PanelResult<M>> {
      const id = nextId++;
      return new Promise<PanelResult<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
        try {
          api.postMessage(params === undefined ? { id, method } : { id, method, params });
        } catch (error) {
          pending.delete(id);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    onNotification(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
