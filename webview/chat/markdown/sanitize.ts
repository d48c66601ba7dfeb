// DOMPurify with an allow-list of exactly what the markdown renderer emits; output is a DOM fragment.
import DOMPurify, { type Config } from 'dompurify';

const config = {
  ALLOWED_TAGS: [
    'a',
    'blockquote',
    'br',
    'button',
    'code',
    'del',
    'div',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'li',
    'ol',
    'p',
    'pre',
    'span',
    's',
    'strong',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'ul',
  ],
  ALLOWED_ATTR: [
    'aria-hidden',
    'aria-label',
    'class',
    'data-action',
    'data-href',
    'data-lang',
    'role',
    'start',
    'tabindex',
    'title',
    'type',
  ],
  // a link's target is inert data the host checks (and confirms with the user) before anything opens
  ADD_URI_SAFE_ATTR: ['data-href'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  RETURN_DOM_FRAGMENT: true,
} satisfies Config;

/** Sanitised nodes for `html`, ready to insert (parsed in an inert document: nothing loads or runs). */
export function sanitizeToFragment(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, config);
}
