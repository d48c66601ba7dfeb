// <gb-step-view>: generation step by step: prompt, next-token distribution, sampling settings, Sample / Accept / Auto.
import { html, nothing } from 'lit';
import type { NextDistribution, StepSampleResult } from '../../src/protocol/engine-methods';
import { bits, count, natsToBits, percent } from '../shared/format';
import { LightElement } from '../shared/light-element';
import { StoreWatcher } from '../shared/store';
import { visibleText } from '../shared/token-units';
import { AUTO_STEPS, type SamplingSettings, type StepStore } from './step-store';

const valueOf = (e: Event) => String((e.target as HTMLElement & { value?: unknown }).value ?? '');

export class StepView extends LightElement {
  static override properties = { store: { attribute: false } };
  declare store: StepStore;
  private readonly watcher = new StoreWatcher(this);

  private setting(name: keyof SamplingSettings) {
    return (e: Event) => this.store.setSetting(name, Number(valueOf(e)));
  }

  private promptForm() {
    const s = this.store;
    const busy = s.busy !== null;
    return html`<div class="step-prompt">
      <vscode-textarea
        class="step-prompt-input"
        rows="3"
        resize="vertical"
        label="Prompt"
        aria-label="Prompt to generate from"
        placeholder="A prompt to continue, for example: function add(a, b) {"
        .value=${s.prompt}
        @input=${(e: Event) => s.setPrompt(valueOf(e))}
      ></vscode-textarea>
      <div class="step-actions">
        <vscode-checkbox
          class="step-chat"
          label="chat"
          title="Wrap the typed prompt as a chat message with the model’s chat template (From selection continues the text as it is)"
          ?checked=${s.chat}
          @change=${(e: Event) => s.setChat((e.target as HTMLElement & { checked: boolean }).checked)}
        ></vscode-checkbox>
        <vscode-button
          class="step-start"
          ?disabled=${busy || s.prompt === ''}
          @click=${() => void s.start(false)}
          >Start</vscode-button
        >
        <vscode-button
          class="step-from-selection"
          secondary
          ?disabled=${busy}
          title="Start from the inspected text instead of the prompt"
          @click=${() => void s.start(true)}
          >From selection</vscode-button
        >
      </div>
    </div>`;
  }

  private bars(
    rows: { id: number; text: string; prob: number; base?: number }[],
    chosen?: number,
    answer?: number,
  ) {
    return html`<ol class="dist">
      ${rows.map(
        (row) =>
          html`<li
            class=${`${row.id === chosen ? 'chosen' : ''}${row.id === answer ? ' answer-next' : ''}`}
            title=${row.id === answer ? 'The token the replayed answer takes next' : ''}
          >
            <code class="dist-text">${visibleText(row.text)}</code>
            <span class="bars" aria-hidden="true">
              <span class="bar"><span class="bar-fill" data-value=${row.prob}></span></span>
              ${
                row.base === undefined
                  ? nothing
                  : html`<span class="bar bar-model"
                      ><span class="bar-fill" data-value=${row.base}></span
                    ></span>`
              }
            </span>
            <span class="dist-prob">${percent(row.prob)}</span>
            ${
              row.base === undefined
                ? nothing
                : html`<span class="dist-model muted" title="The model’s own probability"
                    >${percent(row.base)}</span
                  >`
            }
          </li>`,
      )}
    </ol>`;
  }

  /** The replayed answer's next token, while the replay goes on. */
  private answerNext(): number | undefined {
    const r = this.store.replay;
    return r && this.store.replayAhead ? r.answer[r.done] : undefined;
  }

  private next(next: NextDistribution) {
    return html`<section class="step-next" aria-label="Next-token distribution">
      <h3>What the model predicts next</h3>
      <p class="muted">
        entropy ${bits(natsToBits(next.entropy))} · stop token ${percent(next.stopProb)} · context
        <span class="step-context">${count(next.used)} / ${count(next.contextLength)}</span> tokens used
      </p>
      ${this.bars(next.top, undefined, this.answerNext())}
    </section>`;
  }

  private settings() {
    const s = this.store;
    const { temperature, topK, topP, seed } = s.settings;
    const busy = s.busy !== null;
    return html`<section class="step-settings" aria-label="Sampling settings">
      <label class="setting"
        ><span>temperature</span>
        <input
          type="range"
          class="step-temperature"
          min="0"
          max="2"
          step="0.05"
          .value=${String(temperature)}
          @input=${this.setting('temperature')}
        /><output>${temperature}</output></label
      >
      <label class="setting"
        ><span>top-k <span class="muted">(0 = off)</span></span>
        <vscode-textfield
          class="step-topk"
          type="number"
          min="0"
          aria-label="top-k (0 = off)"
          .value=${String(topK)}
          @input=${this.setting('topK')}
        ></vscode-textfield
      ></label>
      <label class="setting"
        ><span>top-p <span class="muted">(1 = off)</span></span>
        <input
          type="range"
          class="step-topp"
          min="0.01"
          max="1"
          step="0.01"
          .value=${String(topP)}
          @input=${this.setting('topP')}
        /><output>${topP}</output></label
      >
      <label class="setting"
        ><span>seed</span>
        <vscode-textfield
          class="step-seed"
          type="number"
          min="0"
          aria-label="seed"
          .value=${String(seed)}
          @input=${this.setting('seed')}
        ></vscode-textfield
      ></label>
      <div class="step-buttons">
        <vscode-button
          class="step-sample"
          ?disabled=${busy}
          title="Pick a token from the stored distribution with these settings (the model does not run)"
          @click=${() => void s.sampleNow()}
          >Sample</vscode-button
        >
        <vscode-button
          class="step-accept"
          ?disabled=${busy || !s.sample || s.stopped}
          title="Append the picked token and run the model one step"
          @click=${() => void s.accept()}
          >Accept</vscode-button
        >
        <vscode-button
          class="step-auto"
          secondary
          ?disabled=${busy || s.stopped}
          title=${`Sample and accept ${AUTO_STEPS} times (stops at the stop token)`}
          @click=${() => void s.auto()}
          >Auto ×${AUTO_STEPS}</vscode-button
        >
      </div>
    </section>`;
  }

  private sample(sample: StepSampleResult) {
    const chosen = sample.chosen;
    return html`<section class="step-result" aria-label="Sampled token">
      <p class="step-chosen" role="status">
        Picked <code class="chosen-text">${visibleText(chosen.text)}</code>
        <span class="muted">(id ${chosen.id})</span>
        ${
          chosen.isStop
            ? html`<strong class="stop-won">— the stop token won: generation would end here.</strong>`
            : nothing
        }
      </p>
      <p class="muted">
        ${count(sample.kept)} tokens kept after top-k and top-p · bars: probability after the settings, then
        the model’s own
      </p>
      ${this.bars(
        sample.top.map((t) => ({ id: t.id, text: t.text, prob: t.prob, base: t.modelProb })),
        chosen.id,
        this.answerNext(),
      )}
    </section>`;
  }

  override render() {
    const s = this.store;
    const session = s.session;
    return html`${this.promptForm()}
    ${s.error ? html`<p class="view-error" role="alert">${s.error}</p>` : nothing}
    ${s.busy ? html`<vscode-progress-bar indeterminate aria-label="Working"></vscode-progress-bar>` : nothing}
    ${
      session
        ? html`<gb-step-replay .store=${s} .version=${s.version}></gb-step-replay>
            <gb-step-text .session=${session}></gb-step-text>
            ${this.next(session.next)} ${this.settings()} ${s.sample ? this.sample(s.sample) : nothing}`
        : nothing
    }`;
  }

  // bar widths go through the CSSOM: a style attribute breaks the CSP
  protected override updated(): void {
    for (const fill of this.querySelectorAll<HTMLElement>('.bar-fill')) {
      fill.style.width = `${(Math.max(0, Math.min(1, Number(fill.dataset.value))) * 100).toFixed(1)}%`;
    }
  }
}

customElements.define('gb-step-view', StepView);
