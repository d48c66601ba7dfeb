// Puts markdown into an element: at once when small, else in time-sliced chunks so a huge answer never freezes the page.
import type { Token } from 'markdown-it';
import { parseBlocks, parseInline, renderMarkdown, renderTokens } from './markdown';
import { sanitizeToFragment } from './sanitize';

/** Sources up to this many characters render in one go (a few tens of milliseconds at most). */
const SYNC_LIMIT = 20_000;
/** Big tables are cut into tables of this many rows (same columns, fixed layout, so they line up). */
const ROWS_PER_CHUNK = 100;
/** Other blocks are grouped until a chunk has about this many tokens. */
const TOKENS_PER_CHUNK = 1_000;
/** Work this long, then let the page handle input. */
const SLICE_MS = 12;

export interface RenderJob {
  cancel(): void;
  /** Resolves true when everything is in the page, false when cancelled first. */
  readonly done: Promise<boolean>;
}

interface Chunk {
  tokens: Token[];
  /** Part of a table that was cut into several. */
  splitTable: boolean;
}

/** Lets the page handle input and paint: scheduler.yield where there is one (no 4 ms timer clamp), else a timer. */
const yieldToPage = (): Promise<void> => {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return scheduler?.yield ? scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));
};

/** Top-level blocks as [start, end) token ranges. */
function* blocks(tokens: Token[]): Generator<[number, number]> {
  let start = 0;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    depth += tokens[i]?.nesting ?? 0;
    if (depth === 0) {
      yield [start, i + 1];
      start = i + 1;
    }
  }
}

/** A table's rows in chunks of ROWS_PER_CHUNK, each a whole table; the first keeps the header. */
function* tableChunks(table: Token[]): Generator<Chunk> {
  const open = table[0];
  const close = table[table.length - 1];
  const bodyOpen = table.findIndex((t) => t.type === 'tbody_open');
  if (!open || !close || bodyOpen < 0) {
    yield { tokens: table, splitTable: false };
    return;
  }
  const head = table.slice(1, bodyOpen + 1);
  const bodyClose = table[table.length - 2];
  const rows: Token[][] = [];
  for (let i = bodyOpen + 1; i < table.length - 2;) {
    let end = i;
    while (end < table.length - 2 && table[end]?.type !== 'tr_close') end++;
    rows.push(table.slice(i, end + 1));
    i = end + 1;
  }
  for (let r = 0; r < rows.length; r += ROWS_PER_CHUNK) {
    const body = rows.slice(r, r + ROWS_PER_CHUNK).flat();
    const start = r === 0 ? head : head.filter((t) => t.type === 'tbody_open');
    yield { tokens: [open, ...start, ...body, ...(bodyClose ? [bodyClose] : []), close], splitTable: true };
  }
}

function* chunks(tokens: Token[]): Generator<Chunk> {
  let current: Token[] = [];
  for (const [start, end] of blocks(tokens)) {
    const block = tokens.slice(start, end);
    const rows = block[0]?.type === 'table_open' ? block.filter((t) => t.type === 'tr_open').length : 0;
    if (rows > ROWS_PER_CHUNK) {
      if (current.length) yield { tokens: current, splitTable: false };
      current = [];
      yield* tableChunks(block);
      continue;
    }
    current.push(...block);
    if (current.length >= TOKENS_PER_CHUNK) {
      yield { tokens: current, splitTable: false };
      current = [];
    }
  }
  if (current.length) yield { tokens: current, splitTable: false };
}

/**
 * Replaces `target`'s content with the rendered, sanitised markdown. Big sources are parsed for blocks once,
 * then inline-parsed, rendered and sanitised a chunk at a time between yields; chunks skip layout while off
 * screen (content-visibility). When `target` already shows something it stays until the new content is whole.
 */
export function renderMarkdownInto(target: HTMLElement, source: string): RenderJob {
  if (source.length <= SYNC_LIMIT) {
    target.replaceChildren(sanitizeToFragment(renderMarkdown(source)));
    return { cancel() {}, done: Promise.resolve(true) };
  }
  let cancelled = false;
  const run = async (): Promise<boolean> => {
    const { tokens, env } = parseBlocks(source);
    const next = document.createElement('div');
    next.className = 'md-chunks';
    const attachEarly = target.childNodes.length === 0;
    if (attachEarly) target.replaceChildren(next);
    let sliceStart = performance.now();
    for (const chunk of chunks(tokens)) {
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToPage();
        if (cancelled) return false;
        sliceStart = performance.now();
      }
      parseInline(chunk.tokens, env);
      const box = document.createElement('div');
      box.className = chunk.splitTable ? 'md-chunk md-split-table' : 'md-chunk';
      box.append(sanitizeToFragment(renderTokens(chunk.tokens, env)));
      next.append(box);
    }
    if (cancelled) return false;
    if (!attachEarly) target.replaceChildren(next);
    return true;
  };
  return {
    cancel: () => {
      cancelled = true;
    },
    done: run(),
  };
}
