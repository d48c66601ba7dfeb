// The fake host's shape, shared by the page script (fake-host.ts) and the tests that drive it through page.evaluate.
import type { Conversation, InspectorState, PanelInit } from '../../../src/protocol/panel-methods';

/** What a test page starts with; the server embeds it in the page as JSON. */
export interface FakeHostConfig {
  init: PanelInit;
  /** Conversations history/open can return, by id. */
  conversations?: Conversation[];
  /** chat/contextUse: the model's context, and the tokens a prompt takes besides its text (chars / 4). */
  contextLength?: number;
  basePromptTokens?: number;
  /** getState() before anything was saved in this tab. */
  state?: unknown;
  /** The id chat/send gives a new conversation. */
  newConversationId?: string;
  /** What inspect/state answers (default: idle). Typed arrays as typed-json markers. */
  inspector?: InspectorState;
}

/** A recorded request and its answer (test/webview/fixtures/*.json). */
export interface ReplayCall {
  method: string;
  params: unknown;
  result: unknown;
}

export interface PostedRequest {
  id: number | string;
  method: string;
  params?: unknown;
}

export interface CspViolation {
  directive: string;
  blockedURI: string;
  sample: string;
}

export interface FakeHost {
  config: FakeHostConfig;
  /** Every request the webview posted, in order. */
  requests: PostedRequest[];
  /** Fixed results per method (instead of the defaults). */
  results: Record<string, unknown>;
  /** Methods that fail with this message. */
  errors: Record<string, string>;
  violations: CspViolation[];
  /** Answers these requests (same method and params) with their recorded results, in recorded order. */
  replay(calls: ReplayCall[]): void;
  /** Sends a notification to the webview. */
  notify(method: string, params: unknown): void;
}

declare global {
  interface Window {
    __host: FakeHost;
    /** Set only by hostile test content if it ever ran. */
    __pwned?: unknown;
  }
}
