/**
 * The marked instance: GFM with ChatGPT's line breaks, highlight.js code blocks under a header (language label and
 * a slot for the copy button), math tokens, links hardened, remote images replaced by an inert placeholder, and
 * raw HTML shown as text. Its output still goes through the sanitizer; slots are filled in after that.
 */
import hljs from 'highlight.js/lib/common';
import { Marked, type Tokens } from 'marked';
import { markedHighlight } from 'marked-highlight';
import { type MathRenderer, mathExtension } from './math-extension.js';
import { imageHost, inlineImageSource, safeLinkHref } from './url-policy.js';

/** Emitted where the copy button goes; replaced after sanitizing (an exact string only a real element can be). */
export const copyButtonSlot = '<span class="copy-code-slot"></span>';
/** The renderer's own copy button; the app attaches a delegated click handler for `.copy-code`. */
export const copyButton = '<button type="button" class="copy-code" aria-label="Copy code">Copy</button>';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => escapes[character] ?? character);
}

function highlight(code: string, language: string): string {
  if (!language || !hljs.getLanguage(language)) return escapeHtml(code);
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

function codeLanguage(info: string | undefined): string {
  // The first word of the info string, limited to the characters language names use.
  const word = (info ?? '').trim().split(/\s/)[0] ?? '';
  return word.replace(/[^\w+#.-]/g, '').slice(0, 32);
}

function renderCode({ text, lang, escaped }: Tokens.Code): string {
  const language = codeLanguage(lang) || 'text';
  const body = (escaped ? text : escapeHtml(text)).replace(/\n$/, '');
  return (
    `<div class="code-block"><div class="code-header"><span class="code-lang">${escapeHtml(language)}</span>` +
    `${copyButtonSlot}</div><pre><code class="hljs language-${escapeHtml(language)}">${body}\n</code></pre></div>\n`
  );
}

function renderImage({ href, text }: Tokens.Image): string {
  const alt = escapeHtml(text);
  const source = inlineImageSource(href);
  if (source) return `<img class="inline-image" src="${escapeHtml(source)}" alt="${alt}">`;
  const host = imageHost(href);
  const where = host ? `from ${escapeHtml(host)} ` : '';
  const title = host ? `Remote image not loaded: ${escapeHtml(host)}` : 'Image not loaded';
  return `<span class="blocked-image" title="${title}">🖼 ${alt || 'image'} (image ${where}not loaded)</span>`;
}

function renderHtml({ text, block }: Tokens.HTML | Tokens.Tag): string {
  // ChatGPT shows HTML in an answer as its source; so do we.
  const escaped = escapeHtml(text);
  return block ? `<p>${escaped.trimEnd().replace(/\n/g, '<br>')}</p>\n` : escaped;
}

function renderCheckbox({ checked }: Tokens.Checkbox): string {
  return `<span class="task-checkbox${checked ? ' checked' : ''}">${checked ? '☑' : '☐'}</span> `;
}

/** A configured marked instance; `renderMath` produces what each math token becomes. */
export function createMarkdownParser(renderMath: MathRenderer): Marked {
  const marked = new Marked(
    { gfm: true, breaks: true, silent: true },
    markedHighlight({ langPrefix: 'hljs language-', highlight: (code, language) => highlight(code, language) }),
    mathExtension(renderMath),
  );
  marked.use({
    renderer: {
      code: renderCode,
      html: renderHtml,
      image: renderImage,
      checkbox: renderCheckbox,
      link(token) {
        const text = token.autolink ? escapeHtml(token.text) : this.parser.parseInline(token.tokens);
        const href = safeLinkHref(token.href);
        if (href === undefined) return text;
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<a href="${escapeHtml(href)}"${title}>${text}</a>`;
      },
    },
  });
  return marked;
}
