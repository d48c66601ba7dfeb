// Markdown for model output: markdown-it with raw HTML off; inert links, unloaded images, code blocks with actions.
import MarkdownIt from 'markdown-it';
import type { Env, Token } from 'markdown-it';
import { fenceLanguage, highlight } from './highlight';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
const escapeHtml = md.utils.escapeHtml;

/** The code-block actions; the view sends editor/insert, editor/openNew or clipboard/copy for them. */
const codeActions = [
  { action: 'copy', icon: 'copy', label: 'Copy code' },
  { action: 'insert', icon: 'insert', label: 'Insert code at the cursor' },
  { action: 'openNew', icon: 'new-file', label: 'Open code in a new editor' },
] as const;

const actionButtons = codeActions
  .map(
    (a) =>
      `<button type="button" class="code-action" data-action="${a.action}" aria-label="${a.label}" title="${a.label}">` +
      `<span class="codicon codicon-${a.icon}" aria-hidden="true"></span></button>`,
  )
  .join('');

function codeBlock(code: string, info: string): string {
  const language = fenceLanguage(info);
  return (
    `<div class="code-block" data-lang="${escapeHtml(language)}">` +
    `<div class="code-toolbar"><span class="code-lang">${escapeHtml(language || 'text')}</span>${actionButtons}</div>` +
    `<pre><code class="hljs">${highlight(code, language)}</code></pre></div>\n`
  );
}

const rules = md.renderer.rules;
rules.fence = (tokens, idx) => codeBlock(tokens[idx]?.content ?? '', tokens[idx]?.info ?? '');
rules.code_block = (tokens, idx) => codeBlock(tokens[idx]?.content ?? '', '');

// Links never navigate: the target moves to data-href and a click asks the host (link/open), which confirms.
rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx];
  if (token) {
    const href = String(token.attrGet('href') ?? '');
    token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'href');
    token.attrSet('data-href', href);
    token.attrSet('title', href);
    token.attrSet('role', 'link');
    token.attrSet('tabindex', '0');
    token.attrSet('class', 'md-link');
  }
  return self.renderToken(tokens, idx, options);
};

// Images are never loaded: their alt text stands in for them.
rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx];
  const alt = token ? self.renderInlineAsText(token.children ?? [], options, env) : '';
  const src = String(token?.attrGet('src') ?? '');
  return (
    `<span class="md-image" title="Image not loaded: ${escapeHtml(src)}">` +
    `<span class="codicon codicon-file-media" aria-hidden="true"></span>${escapeHtml(alt || 'image')}</span>`
  );
};

// Table alignment as classes: style attributes are blocked by the CSP.
for (const name of ['th_open', 'td_open'] as const) {
  rules[name] = (tokens, idx, options, _env, self) => {
    const token = tokens[idx];
    const style = String(token?.attrGet('style') ?? '');
    if (token && style) {
      token.attrs = (token.attrs ?? []).filter(([n]) => n !== 'style');
      const align = /text-align:\s*(left|center|right)/.exec(style)?.[1];
      if (align) token.attrSet('class', `align-${align}`);
    }
    return self.renderToken(tokens, idx, options);
  };
}

/** Block structure only (about 5x faster than a full parse); inline content is filled in later, a chunk at a time. */
const blockOnly = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
blockOnly.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);
/** The core rules that run after block parsing, for a chunk of block tokens. */
const inlineOnly = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
inlineOnly.core.ruler.disable(['normalize', 'block', 'strip_references']);

/** HTML for a whole document (escaped and inert, but still to be sanitised). */
export function renderMarkdown(source: string): string {
  return md.render(source);
}

/** Block tokens of `source` (inline tokens without children yet) and the env holding its references. */
export function parseBlocks(source: string): { tokens: Token[]; env: Env } {
  const env: Env = {};
  return { tokens: blockOnly.parse(source, env), env };
}

/** Parses the inline content of these block tokens in place (emphasis, links, code spans). */
export function parseInline(tokens: Token[], env: Env): void {
  const state = new inlineOnly.core.State('', inlineOnly, env);
  state.tokens = tokens;
  inlineOnly.core.process(state);
}

/** HTML for fully parsed tokens (escaped and inert, but still to be sanitised). */
export function renderTokens(tokens: Token[], env: Env): string {
  return md.renderer.render(tokens, md.options, env);
}
