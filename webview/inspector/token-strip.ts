// <gb-token-strip>: the inspected text as tokens (grouped, whitespace visible); hover, selection and attention links touch only classes.
import { html, nothing, type PropertyValues } from 'lit';
import type { AttentionMatrix, InspectResult } from '../../src/protocol/engine-methods';
import { rankBucket } from '../../src/protocol/rank-buckets';
import { surprisalLevel } from '../shared/format';
import { LightElement } from '../shared/light-element';
import { hex, tokenLabel, unitsOf, visiblePieces, type TokenUnit } from '../shared/token-units';
import { ATTENTION_LINK_MIN } from './heatmap';

/** How the strip is coloured: alternating shades, GLTR rank buckets, or surprisal. */
export type StripMode = 'plain' | 'rank' | 'surprisal';

/** The full map behind hover links; `offset` is 1 when row/column 0 is the BOS. */
export interface AttentionLinks {
  matrix: AttentionMatrix;
  offset: number;
}

/** Bubbles from the strip whenever the hovered (or focused) token changes; index -1: none. */
export type TokenHoverEvent = CustomEvent<{ index: number }>;

/** Text with visible whitespace; a line may wrap after each marker (the markers are not spaces to the browser). */
function pieces(text: string) {
  return visiblePieces(text).map((p) => (p.marker ? html`<span class="ws">${p.text}</span><wbr />` : p.text));
}

export class TokenStrip extends LightElement {
  static override properties = {
    result: { attribute: false },
    mode: { attribute: false },
    selected: { attribute: false },
    links: { attribute: false },
  };
  declare result: InspectResult | null;
  declare mode: StripMode;
  declare selected: number;
  declare links: AttentionLinks | null;
  /** Called with the token index when a token is chosen (click, arrows) and whether to reveal it in the editor. */
  onPick: (index: number, reveal: boolean) => void = () => undefined;
  /** How many times the tokens were rendered (hover, selection and colour mode never re-render them). */
  renders = 0;
  private tokens: HTMLElement[] = [];
  private hovered = -1;
  private linked: HTMLElement[] = [];
  private shownSelected = -1;

  constructor() {
    super();
    this.result = null;
    this.mode = 'plain';
    this.selected = -1;
    this.links = null;
  }

  /** Only a new result re-renders the tokens; everything else is applied to the existing elements. */
  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    if (changed.has('result') || this.tokens.length === 0) return true;
    this.applyState();
    return false;
  }

  override render() {
    const r = this.result;
    if (!r) return nothing;
    const { units } = unitsOf(r.tokens);
    return html`<div
      class="token-strip"
      role="listbox"
      aria-label=${`Tokens of the inspected text (${r.tokens.length}); arrow keys move, Enter shows one in the editor`}
      aria-orientation="horizontal"
      @mouseover=${(e: MouseEvent) => this.hover(this.indexOf(e.target))}
      @mouseleave=${() => this.hover(-1)}
      @focusin=${(e: FocusEvent) => this.hover(this.indexOf(e.target))}
      @focusout=${(e: FocusEvent) => {
        if (!this.contains(e.relatedTarget as Node | null)) this.hover(-1);
      }}
      @click=${(e: MouseEvent) => this.onClick(e)}
      @keydown=${(e: KeyboardEvent) => this.key(e)}
    >
      ${units.map((u) => this.unit(u, r))}
    </div>`;
  }

  private token(i: number, r: InspectResult, content: unknown, part: boolean) {
    const t = r.tokens[i];
    if (!t) return nothing;
    const position = r.positions[i];
    const bucket = position ? rankBucket(position.rank) : 'none';
    const label = `Token ${i + 1}: ${tokenLabel(r.tokens, i) || 'empty'}, id ${t.id >= 0 ? t.id : 'unknown'}`;
    return html`<span
      class="tok a${i % 2} b-${bucket}${part ? ' part' : ''}"
      data-i=${i}
      data-bytes=${part ? hex(t.bytes) : nothing}
      role="option"
      aria-selected="false"
      aria-label=${label}
      tabindex="-1"
      >${content}</span
    >`;
  }

  private unit(u: TokenUnit, r: InspectResult) {
    if (u.kind === 'single') return this.token(u.index, r, pieces(u.text), false);
    const parts = [];
    for (let i = u.first; i <= u.last; i++) parts.push(this.token(i, r, nothing, true));
    return html`<span
      class="tok-group"
      title=${`“${u.text}” is made of the bytes of ${u.last - u.first + 1} tokens`}
      ><span class="glyph" aria-hidden="true">${pieces(u.text)}</span
      ><span class="tok-parts">${parts}</span></span
    >`;
  }

  protected override updated(): void {
    this.renders++;
    this.tokens = [];
    for (const el of this.querySelectorAll<HTMLElement>('.tok')) this.tokens[Number(el.dataset.i)] = el;
    const r = this.result;
    if (r) {
      r.positions.forEach((p, i) => this.tokens[i]?.style.setProperty('--s', surprisalLevel(p).toFixed(3)));
    }
    this.hovered = -1;
    this.linked = [];
    this.shownSelected = -1;
    this.applyState();
  }

  /** Colour mode, selection (roving tabindex) and attention links onto the rendered tokens. */
  private applyState(): void {
    const strip = this.querySelector<HTMLElement>('.token-strip');
    if (!strip) return;
    strip.className = `token-strip mode-${this.mode}${this.links ? ' linking' : ''}`;
    const previous = this.tokens[this.shownSelected];
    if (previous) {
      previous.classList.remove('selected');
      previous.setAttribute('aria-selected', 'false');
      previous.tabIndex = -1;
    }
    const selected = this.tokens[this.selected] ?? this.tokens[this.tokens.length - 1];
    if (selected) {
      selected.classList.add('selected');
      selected.setAttribute('aria-selected', 'true');
      selected.tabIndex = 0;
      this.shownSelected = Number(selected.dataset.i);
    }
    this.showLinks(this.hovered);
  }

  private indexOf(target: EventTarget | null): number {
    const el = target instanceof Element ? target.closest<HTMLElement>('.tok') : null;
    return el ? Number(el.dataset.i) : -1;
  }

  private hover(index: number): void {
    if (index === this.hovered) return;
    this.tokens[this.hovered]?.classList.remove('hovered');
    this.hovered = index;
    this.tokens[index]?.classList.add('hovered');
    this.showLinks(index);
    this.dispatchEvent(new CustomEvent('gb-token-hover', { detail: { index }, bubbles: true }));
  }

  /** Marks what token `index` attends to (its row) and what attends to it (its column) in the open map. */
  private showLinks(index: number): void {
    for (const el of this.linked) {
      el.classList.remove('att-to', 'att-from');
      el.style.removeProperty('--w');
    }
    this.linked = [];
    const links = this.links;
    if (!links || index < 0) return;
    const { matrix, offset } = links;
    const n = matrix.size;
    const row = index + offset;
    if (row >= n) return;
    for (let k = 0; k < this.tokens.length && k + offset < n; k++) {
      const el = this.tokens[k];
      if (!el) continue;
      const col = k + offset;
      const to = k <= index ? (matrix.data[row * n + col] as number) : 0;
      const from = k > index ? (matrix.data[col * n + row] as number) : 0;
      if (to < ATTENTION_LINK_MIN && from < ATTENTION_LINK_MIN) continue;
      el.classList.add(to >= ATTENTION_LINK_MIN ? 'att-to' : 'att-from');
      el.style.setProperty('--w', Math.max(to, from).toFixed(3));
      this.linked.push(el);
    }
  }

  private onClick(e: MouseEvent): void {
    const index = this.indexOf(e.target);
    if (index < 0) return;
    this.onPick(index, true);
  }

  private key(e: KeyboardEvent): void {
    const n = this.result?.tokens.length ?? 0;
    const current = this.selected >= 0 ? this.selected : n - 1;
    const moves: Record<string, number> = {
      ArrowLeft: current - 1,
      ArrowRight: current + 1,
      Home: 0,
      End: n - 1,
    };
    const target = moves[e.key];
    if (target !== undefined) {
      e.preventDefault();
      const index = Math.max(0, Math.min(n - 1, target));
      this.onPick(index, false);
      const el = this.tokens[index];
      el?.focus();
      el?.scrollIntoView({ block: 'nearest' });
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.onPick(current, true);
    }
  }
}

customElements.define('gb-token-strip', TokenStrip);

declare global {
  interface HTMLElementTagNameMap {
    'gb-token-strip': TokenStrip;
  }
  interface HTMLElementEventMap {
    'gb-token-hover': TokenHoverEvent;
  }
}
