// <gb-markdown>: one message's markdown, re-rendered at most once a frame (less often when big), inert links, code actions.
import { fenceLanguageId } from '../../../src/protocol/fence-languages';
import type { CodeAction } from '../chat-store';
import { renderMarkdownInto, type RenderJob } from './progressive';

/** What the rendered markdown can ask for; the panel store does it. */
export interface MarkdownActions {
  codeAction(action: CodeAction, code: string, language: string): Promise<boolean>;
  openLink(href: string): Promise<void>;
}

const isCodeAction = (v: string | undefined): v is CodeAction =>
  v === 'copy' || v === 'insert' || v === 'openNew';

export class MarkdownView extends HTMLElement {
  actions: MarkdownActions | null = null;
  private _source = '';
  private rendered: string | null = null;
  private job: RenderJob | null = null;
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRenderAt = 0;
  private lastRenderMs = 0;

  constructor() {
    super();
    this.addEventListener('click', (e) => this.onClick(e));
    this.addEventListener('keydown', (e) => this.onKeyDown(e));
  }

  get source(): string {
    return this._source;
  }

  /** New text: rendered on the next animation frame, or later when the last render was slow. */
  set source(value: string) {
    this._source = value;
    if (this.isConnected) this.schedule();
  }

  connectedCallback(): void {
    this.classList.add('markdown-body');
    if (this.rendered !== this._source) this.schedule();
  }

  disconnectedCallback(): void {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.frame = 0;
    this.timer = undefined;
    this.job?.cancel();
    this.job = null;
    this.rendered = null;
  }

  private schedule(): void {
    if (this.frame || this.timer !== undefined || this.rendered === this._source) return;
    // keep rendering under about a third of the time, however large the message grows while streaming
    const wait = this.lastRenderAt + 2 * this.lastRenderMs - performance.now();
    const onFrame = () => {
      this.frame = 0;
      this.renderNow();
    };
    if (wait <= 0) this.frame = requestAnimationFrame(onFrame);
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.frame = requestAnimationFrame(onFrame);
      }, wait);
    }
  }

  /** Renders now, unless a chunked render is still running: then the next one starts when it is done. */
  private renderNow(): void {
    if (this.rendered === this._source || this.job) return;
    const started = performance.now();
    this.rendered = this._source;
    const job = renderMarkdownInto(this, this._source);
    this.job = job;
    this.lastRenderAt = performance.now();
    this.lastRenderMs = this.lastRenderAt - started;
    void job.done.then(() => {
      if (this.job !== job) return;
      this.job = null;
      if (this.isConnected) this.schedule();
    });
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target : null;
    const link = target?.closest<HTMLElement>('.md-link');
    if (link) {
      event.preventDefault();
      void this.actions?.openLink(link.dataset.href ?? '');
      return;
    }
    const button = target?.closest<HTMLButtonElement>('button.code-action');
    if (button) void this.runCodeAction(button);
  }

  private onKeyDown(event: KeyboardEvent): void {
    const target = event.target instanceof HTMLElement ? event.target : null;
    if (event.key === 'Enter' && target?.classList.contains('md-link')) {
      event.preventDefault();
      void this.actions?.openLink(target.dataset.href ?? '');
    }
  }

  private async runCodeAction(button: HTMLButtonElement): Promise<void> {
    const block = button.closest<HTMLElement>('.code-block');
    const action = button.dataset.action;
    if (!block || !isCodeAction(action) || !this.actions) return;
    const code = (block.querySelector('code')?.textContent ?? '').replace(/\n$/, '');
    const ok = await this.actions.codeAction(action, code, fenceLanguageId(block.dataset.lang ?? ''));
    if (!ok || action !== 'copy') return;
    // brief confirmation on the button itself (and for screen readers, its label)
    const icon = button.querySelector('.codicon');
    const label = button.getAttribute('aria-label') ?? '';
    icon?.classList.replace('codicon-copy', 'codicon-check');
    button.setAttribute('aria-label', 'Copied');
    setTimeout(() => {
      icon?.classList.replace('codicon-check', 'codicon-copy');
      button.setAttribute('aria-label', label);
    }, 1500);
  }
}

customElements.define('gb-markdown', MarkdownView);

declare global {
  interface HTMLElementTagNameMap {
    'gb-markdown': MarkdownView;
  }
}
