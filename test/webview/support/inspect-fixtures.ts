// Recorded engine results (test/webview/fixtures/*.json, written by record-inspect.ts) and their replay in the fake host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Conversation, InspectorState } from '../../../src/protocol/panel-methods';
import { typedReviver } from './typed-json';

/** One request as the webview sends it, and what the engine answered. */
export interface RecordedCall {
  method: string;
  params: unknown;
  result: unknown;
}

/** An inspection: the text, the InspectorState the host would send, and on-demand calls on its handle. */
export interface InspectFixture {
  text: string;
  state: InspectorState;
  calls: RecordedCall[];
}

/** A step-through: step/start, then samples and appends in the order they were made. */
export interface StepFixture {
  prompt: string;
  chat: boolean;
  calls: RecordedCall[];
}

/** Answers of a conversation replayed in the step-through: step/replay, then samples and appends in order. */
export interface ReplayFixture {
  conversation: Conversation;
  calls: RecordedCall[];
}

export const fixturesDir = join(import.meta.dirname, '..', 'fixtures');

export interface Loaded<T> {
  /** As stored (typed arrays as markers): what the tests hand the page. */
  raw: T;
  /** With typed arrays: what the tests compute expectations from. */
  data: T;
}

export function loadFixture<T>(name: string): Loaded<T> {
  const text = readFileSync(join(fixturesDir, name), 'utf8');
  return { raw: JSON.parse(text) as T, data: JSON.parse(text, typedReviver) as T };
}

/** The recorded results of `method`, in order. */
export function resultsOf<R>(calls: RecordedCall[], method: string): { params: unknown; result: R }[] {
  return calls.filter((c) => c.method === method) as { params: unknown; result: R }[];
}
