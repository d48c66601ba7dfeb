// Generation step-through: start from a prompt, re-sample the cached next-token distribution, accept tokens one by one.
import type { NextDistribution, StepSampleResult, StepToken } from '../src/protocol/engine-methods';
import type { Messenger } from './messenger';

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

export interface StepSession {
  handle: string;
  prompt: StepToken[];
  generated: StepToken[];
  next: NextDistribution;
}

export type StepBusy = 'start' | 'sample' | 'append' | 'auto' | null;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class StepStore {
  prompt = '';
  chat = false;
  settings: SamplingSettings = { ...DEFAULT_SAMPLING };
  session: StepSession | null = null;
  /** The last Sample's answer for the current position (cleared when a token is appended). */
  sample: StepSampleResult | null = null;
  busy: StepBusy = null;
  error: string | null = null;

  constructor(
    private readonly messenger: Messenger,
    private readonly changed: () => void,
  ) {}

  /** The stop token was chosen: generation would end here. */
  get stopped(): boolean {
    return this.sample?.chosen.isStop ?? false;
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
    this.changed();
  }

  setChat(chat: boolean): void {
    this.chat = chat;
    this.changed();
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
    this.changed();
  }

  /** Runs the prompt (or the inspected text) through the model and shows the next-token distribution. */
  start(fromSelection: boolean): Promise<void> {
    return this.run('start', async () => {
      const started = await this.messenger.request('step/start', {
        prompt: fromSelection ? '' : this.prompt,
        chat: this.chat,
        fromSelection,
      });
      this.session = { handle: started.handle, prompt: started.prompt, generated: [], next: started.next };
      this.sample = null;
    });
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
      for (let i = 0; i < AUTO_STEPS; i++) {
        await this.drawSample();
        if (this.stopped) return;
        await this.appendSample();
        this.changed();
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
    this.changed();
  }

  private async appendSample(): Promise<void> {
    const session = this.session;
    const chosen = this.sample?.chosen;
    if (!session || !chosen || chosen.isStop) return;
    const { appended, next } = await this.messenger.request('step/append', {
      handle: session.handle,
      id: chosen.id,
    });
    this.session = { ...session, generated: [...session.generated, appended], next };
    this.sample = null;
  }

  private async run(busy: Exclude<StepBusy, null>, action: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = busy;
    this.error = null;
    this.changed();
    try {
      await action();
    } catch (error) {
      this.error = message(error);
    } finally {
      this.busy = null;
      this.changed();
    }
  }
}
