/**
 * The strict DOMPurify instance every rendered block goes through. It allows only the elements and attributes
 * our markdown renderer produces (raw HTML in the input is escaped before this, so this is the second line of
 * defence): no script/style/iframe/object/embed/form/input/button/meta/base/link/svg/math, no `style`, no
 * `on*`, no `id`/`name`, links only to http(s)/mailto/relative targets (and opened in a new tab without
 * opener or referrer), images only as inline data: rasters.
 */
import DOMPurify, { type Config, type WindowLike } from 'dompurify';
import { inlineImageSource, urlScheme } from './url-policy.js';

/** What we need from a window: what DOMPurify needs (a browser `window`, or happy-dom's `Window` in tests). */
export type SanitizerWindow = WindowLike;

/** The few element methods the hooks call. */
interface HookElement {
  readonly tagName: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
}

const allowedTags = [
  'a',
  'blockquote',
  'br',
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
  'img',
  'li',
  'ol',
  'p',
  'pre',
  'span',
  'strong',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];

// Named again although absent from the allow-list, so that a later widening of allowedTags cannot let them in.
const forbiddenTags = [
  'script',
  'style',
  'iframe',
  'frame',
  'object',
  'embed',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'meta',
  'base',
  'link',
  'svg',
  'math',
  'template',
  'noscript',
  'audio',
  'video',
  'source',
  'picture',
];

const config: Config = {
  ALLOWED_TAGS: allowedTags,
  ALLOWED_ATTR: ['href', 'title', 'alt', 'src', 'class', 'align', 'start'],
  FORBID_TAGS: forbiddenTags,
  FORBID_ATTR: ['style', 'srcset', 'action', 'formaction', 'background', 'poster', 'xlink:href', 'ping', 'id', 'name'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  // DOMPurify's own URI check, narrowed to http(s), mailto and scheme-less (relative) URLs.
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
  // Only images may carry data: URLs, and the hook below narrows those to rasters.
  ADD_DATA_URI_TAGS: [],
  ADD_URI_SAFE_ATTR: [],
  SAFE_FOR_TEMPLATES: false,
  WHOLE_DOCUMENT: false,
  RETURN_TRUSTED_TYPE: false,
};

function keepAttribute(element: HookElement, name: string, value: string): boolean {
  const tag = element.tagName.toLowerCase();
  if (name === 'src') return tag === 'img' && inlineImageSource(value) !== undefined;
  if (name === 'href') {
    const scheme = urlScheme(value);
    return tag === 'a' && (scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'mailto');
  }
  return true;
}

function hardenLink(element: HookElement): void {
  if (element.tagName.toLowerCase() !== 'a' || element.getAttribute('href') === null) return;
  element.setAttribute('target', '_blank');
  element.setAttribute('rel', 'noopener noreferrer nofollow');
}

/** A sanitizer bound to `window`: `sanitize(html)` returns the safe HTML string. */
export function createSanitizer(window: SanitizerWindow): (html: string) => string {
  const purify = DOMPurify(window);
  if (!purify.isSupported) throw new Error('DOMPurify cannot run in this environment (no usable window)');
  purify.setConfig(config);
  purify.addHook('uponSanitizeAttribute', (element, event) => {
    if (!keepAttribute(element, event.attrName, event.attrValue)) event.keepAttr = false;
  });
  purify.addHook('afterSanitizeAttributes', (element) => hardenLink(element));
  return (html) => purify.sanitize(html);
}
