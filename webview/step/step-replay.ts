// <gb-step-replay>: a chat answer replayed in the step-through: progress, notes, Next / Play / Pause, and how it ended.
import { html, nothing } from 'lit';
import type { StopReason } from '../../src/protocol/engine-methods';
import { count, percent } from '../shared/format';
import { LightElement } from '../shared/light-element';
import type { ReplayProgress, StepStore } from './step-store';

const ENDINGS: Record<StopReason, string> = {
  eos: 'the model picked the stop token next, so generation ended',
  'stop-string': 'a stop string appeared, so generation ended',
  'max-tokens': 'it reached the answer length limit (glassbox.maxNewTokens), so generation was cut off',
  'context-length': 'it filled the model’s context, so generation was cut off',
  cancelled: 'it was stopped by the user',
};

export class StepReplayView extends LightElement {
  static override properties = { store: { attribute: false }, version: { attribute: false } };
  declare store: StepStore;
  declare version: number;

  private sampling(r: ReplayProgress) {
    if (!r.sampling) return 'how it was sampled was not recorded';
    const { temperature, topP } = r.sampling;
    if (temperature === 0) return 'it was generated greedily (temperature 0: always the top token)';
    return `it was sampled at temperature ${temperature}, top-p ${topP} (set below, so Sample draws the same way)`;
  }

  private ending(r: ReplayProgress) {
    const s = this.store;
    if (r.left) {
      return html`<p class="replay-left" role="status">
        You accepted a token the answer did not take, at answer token ${count(r.done + 1)}: from here on the
        text is a new continuation.
      </p>`;
    }
    if (r.done < r.answer.length) return nothing;
    const stopProb = s.session?.next.stopProb ?? 0;
    return html`<p class="replay-end" role="status">
      End of the answer:
      ${r.stopReason ? (ENDINGS[r.stopReason] ?? r.stopReason) : 'how it ended was not recorded'}. The stop
      token has ${percent(stopProb)} here.
    </p>`;
  }

  override render() {
    const s = this.store;
    const r = s.replay;
    if (!r || !s.session) return nothing;
    const busy = s.busy !== null;
    const playing = s.busy === 'replay';
    return html`<section class="step-replay" aria-label="Replaying a chat answer">
      <h3>Replaying a chat answer</h3>
      <p>
        <span class="replay-progress">${count(r.done)} / ${count(r.answer.length)}</span> answer tokens
        appended; ${this.sampling(r)}. Each appended token is coloured by the rank the model gave it at its
        step.
      </p>
      ${r.notes.map((n) => html`<p class="replay-note muted">${n}</p>`)}
      <div class="step-buttons">
        <vscode-button
          class="replay-next"
          ?disabled=${busy || !s.replayAhead}
          title="Append the answer’s next token and run the model one step"
          @click=${() => void s.replayNext()}
          >Next answer token</vscode-button
        >
        ${
          playing
            ? html`<vscode-button class="replay-pause" secondary @click=${() => s.pause()}
                >Pause</vscode-button
              >`
            : html`<vscode-button
                class="replay-play"
                secondary
                ?disabled=${busy || !s.replayAhead}
                title="Append the rest of the answer one step at a time"
                @click=${() => void s.replayToEnd()}
                >Play to end</vscode-button
              >`
        }
      </div>
      ${this.ending(r)}
    </section>`;
  }
}

customElements.define('gb-step-replay', StepReplayView);
