// Generation step-through: start from a prompt (or replay a chat answer), re-sample the cached distribution, append tokens.
import type {
  NextDistribution,
  StepAppendResult,
  StepSampleResult,
  StepToken,
} from '../../src/protocol/engine-methods';
import type { StepReplay } from '../../src/protocol/panel-methods';
import type { Messenger } from '../shared/messenger';
import { Store } from '../shared/store';

export interface SamplingSettings {
  /** 0 always takes the most likely token; 1 keeps the model's own probabilities. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 = off. */
  topK: number;
  /** Keep the most likely tokens whose probabilities add up to this; 1 = off. */
  topP: number;
  seed: number;
}

/** The settings a step-through starts with: the model's own distribution, unchanged. */
export const DEFAULT_SAMPLING: SamplingSettings = { temperature: 1, topK: 0, topP: 1, seed: 1 };
export const AUTO_STEPS = 10;

/** An appended token with the model's probability and rank for it at its step. */
export type GeneratedToken = StepAppendResult['appended'];

export interface StepSession {
  handle: string;
  prompt: StepToken[];
  generated: GeneratedToken[];
  next: NextDistribution;
}

/** A chat answer being replayed: its tokens, how far the replay got, and what the host noted about it. */
export interface ReplayProgress {
  answer: number[];
  /** Tokens of the answer appended so far. */
  done: number;
  /** Set when a picked token other than the answer's was accepted: the replay ended at `done`. */
  left: boolean;
  sampling: StepReplay['sampling'];
  stopReason: StepReplay['stopReason'];
  notes: string[];
}

export type StepBusy = 'start' | 'sample' | 'append' | 'auto' | 'replay' | null;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class StepStore extends Store {
  prompt = '';
  chat = false;
  settings: SamplingSettings = { ...DEFAULT_SAMPLING };
  session: StepSession | null = null;
  /** The last Sample's answer for the current position (cleared when a token is appended). */
  sample: StepSampleResult | null = null;
  busy: StepBusy = null;
  error: string | null = null;
  replay: ReplayProgress | null = null;
  /** Asked to stop a running Play or Auto before its next step. */
  private pausing = false;

  constructor(private readonly messenger: Messenger) {
    super();
  }

  /** The stop token was chosen: generation would end here. */
  get stopped(): boolean {
    return this.sample?.chosen.isStop ?? false;
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
    this.emit();
  }

  setChat(chat: boolean): void {
    this.chat = chat;
    this.emit();
  }

  /** Changes one setting; values outside its range are clamped to it. */
  setSetting(name: keyof SamplingSettings, value: number): void {
    if (!Number.isFinite(value)) return;
    const clamped = {
      temperature: Math.min(2, Math.max(0, value)),
      topK: Math.min(100_000, Math.max(0, Math.round(value))),
      topP: Math.min(1, Math.max(0.01, value)),
      seed: Math.min(2 ** 32 - 1, Math.max(0, Math.round(value))),
    }[name];
    this.settings = { ...this.settings, [name]: clamped };
    this.emit();
  }

  /** Runs the prompt (or the inspected text) through the model and shows the next-token distribution. */
  start(fromSelection: boolean): Promise<void> {
    return this.run('start', async () => {
      const started = await this.messenger.request('step/start', {
        prompt: fromSelection ? '' : this.prompt,
        chat: this.chat,
        fromSelection,
      });
      this.begin(started);
      this.replay = null;
    });
  }

  /** Opens a chat answer: its prompt's pass now, its tokens one by one with Next or Play; the chat's sampling. */
  openReplay(conversationId: string, messageId: string): Promise<void> {
    return this.run('start', async () => {
      const replay = await this.messenger.request('step/replay', { conversationId, messageId });
      this.begin(replay);
      const { answer, sampling, stopReason, notes } = replay;
      this.replay = { answer, done: 0, left: false, sampling, stopReason, notes };
      if (sampling)
        this.settings = { ...this.settings, temperature: sampling.temperature, topK: 0, topP: sampling.topP };
    });
  }

  /** The replay can append the answer's next token. */
  get replayAhead(): boolean {
    const r = this.replay;
    return r !== null && !r.left && r.done < r.answer.length;
  }

  /** Appends the answer's next token (one model step). */
  replayNext(): Promise<void> {
    return this.run('append', () => this.appendReplayed());
  }

  /** Appends the rest of the answer step by step, showing each; Pause stops before the next. */
  replayToEnd(): Promise<void> {
    return this.run('replay', async () => {
      while (this.replayAhead && !this.pausing) {
        await this.appendReplayed();
        this.emit();
      }
    });
  }

  /** Stops a running Play or Auto after the step in progress. */
  pause(): void {
    if (this.busy === 'replay' || this.busy === 'auto') this.pausing = true;
  }

  /** Draws a token from the stored distribution with the current settings (the model does not run). */
  sampleNow(): Promise<void> {
    return this.run('sample', () => this.drawSample());
  }

  /** Appends the sampled token: one model step, then the new distribution. */
  accept(): Promise<void> {
    return this.run('append', () => this.appendSample());
  }

  /** Sample and accept up to AUTO_STEPS times; stops early when the stop token wins. */
  auto(): Promise<void> {
    return this.run('auto', async () => {
      for (let i = 0; i < AUTO_STEPS && !this.pausing; i++) {
        await this.drawSample();
        if (this.stopped) return;
        await this.appendSample();
        this.emit();
      }
    });
  }

  private async drawSample(): Promise<void> {
    const session = this.session;
    if (!session) return;
    const { temperature, topK, topP, seed } = this.settings;
    this.sample = await this.messenger.request('step/sample', {
      handle: session.handle,
      temperature,
      topK,
      topP,
      seed,
    });
    this.emit();
  }

  private begin(started: { handle: string; prompt: StepToken[]; next: NextDistribution }): void {
    this.session = {
      handle: started.handle,
      prompt: started.prompt,
      generated: [],
      next: started.next,
    };
    this.sample = null;
  }

  private async appendSample(): Promise<void> {
    const chosen = this.sample?.chosen;
    if (!chosen || chosen.isStop) return;
    await this.append(chosen.id);
  }

  private async appendReplayed(): Promise<void> {
    const replay = this.replay;
    if (!replay || !this.replayAhead) return;
    await this.append(replay.answer[replay.done] as number);
  }

  private async append(id: number): Promise<void> {
    const session = this.session;
    if (!session) return;
    const { appended, next } = await this.messenger.request('step/append', { handle: session.handle, id });
    this.session = { ...session, generated: [...session.generated, appended], next };
    this.sample = null;
    // the answer's own next token moves the replay on; any other token leaves it there
    const replay = this.replay;
    if (replay && this.replayAhead) {
      if (replay.answer[replay.done] === id) replay.done++;
      else replay.left = true;
    }
  }

  private async run(busy: Exclude<StepBusy, null>, action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = busy;
    this.pausing = false;
    this.error = null;
    this.emit();
    try {
      await action();
    } catch (error) {
      this.error = message(error);
    } finally {
      this.busy = null;
      this.pausing = false;
      this.emit();
    }
  }
}
