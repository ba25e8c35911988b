/**
 * Markdown (model output, user text) → sanitized HTML, safe for `innerHTML`.
 *
 * Pipeline per top-level block: marked (raw HTML escaped, links/images filtered) → DOMPurify (strict allow-list)
 * → slots filled with what we generate ourselves (KaTeX output, copy buttons). Blocks are cached by their source,
 * so re-rendering a streaming answer every animation frame only renders the block that changed. Math is
 * rendered by KaTeX, loaded the first time a formula is met (math-source.ts): until then a formula shows
 * as its source, its block is not cached, and `mathArrival` says when to render the text again.
 */
import type { Token } from 'marked';
import { createIncrementalLexer } from './incremental-lexer.js';
import { copyButton, copyButtonSlot, createMarkdownParser, escapeHtml } from './markdown-parser.js';
import { katexMath, type MathSource, pendingMath } from './math-source.js';
import { createSanitizer, type SanitizerWindow } from './sanitize-html.js';

export interface RenderOptions {
  /** The text is a prefix of a reply still streaming: hide a half-typed code fence on the last line. */
  streaming?: boolean;
}

export type RenderMarkdown = (text: string, options?: RenderOptions) => string;

/**
 * The same HTML, one string per top-level block (their concatenation is `RenderMarkdown`'s result). A
 * streaming answer re-renders only its last blocks each frame; given the blocks, the page replaces only
 * the DOM of those (message-body.tsx) instead of re-parsing and laying out the whole answer every frame.
 */
export type RenderMarkdownBlocks = (text: string, options?: RenderOptions) => readonly string[];

const blockCacheLimit = 1000;
const mathSlot = /<span class="math-slot-(\d+)"><\/span>/g;
// A last line that may be the start of a fence (`, ``, ~, ~~) flickers as text for one frame: leave it out.
const partialFenceLine = /(?:^|\n) {0,3}(?:`{1,2}|~{1,2})$/;

/** Rendered blocks that show a formula as its source, and where their math comes from. */
const awaitingMath = new WeakMap<readonly string[], MathSource>();

/**
 * For blocks a renderer returned: null if they are final, else a promise that settles once their
 * formulas can be rendered — then rendering the same text again gives the final blocks.
 */
export function mathArrival(blocks: readonly string[]): Promise<void> | null {
  return awaitingMath.get(blocks)?.arrival() ?? null;
}

/** A renderer bound to `window` (the browser's, or jsdom's in tests). */
export function createRenderer(window: SanitizerWindow): RenderMarkdown {
  const blocks = createBlockRenderer(window);
  return (text, options) => blocks(text, options).join('');
}

/** A block renderer bound to `window`: sanitized HTML per top-level block. */
export function createBlockRenderer(window: SanitizerWindow, math: MathSource = katexMath): RenderMarkdownBlocks {
  const sanitize = createSanitizer(window);
  let blockMath: string[] = [];
  /** Whether the block being rendered shows a formula as its source (KaTeX not here yet). */
  let blockWaits = false;
  const marked = createMarkdownParser((tex, display) => {
    const html = math.render(tex, display);
    if (html === null) blockWaits = true;
    blockMath.push(html ?? pendingMath(tex, display));
    return `<span class="math-slot-${blockMath.length - 1}"></span>`;
  });
  const lex = createIncrementalLexer(marked);
  const blockCache = new Map<string, string>();
  let last: { text: string; streaming: boolean; blocks: readonly string[] } = {
    text: '',
    streaming: false,
    blocks: [],
  };
  /** Whether a block of the text being rendered waits for math. */
  let textWaits = false;

  function renderBlock(token: Token): string {
    blockMath = [];
    blockWaits = false;
    // Every extension here is synchronous: nothing to await.
    void marked.walkTokens([token], (child) => marked.defaults.walkTokens?.(child));
    const math = blockMath;
    const html = sanitize(marked.parser([token]));
    return html
      .replaceAll(copyButtonSlot, copyButton)
      .replace(mathSlot, (slot, index: string) => math[Number(index)] ?? slot);
  }

  function cachedBlock(token: Token): string {
    // A block's HTML depends on its text alone, except for reference links: lex() only reuses documents without
    // definitions, but a whole-document lex may resolve `[x][ref]`, so such blocks are keyed with the definition.
    const key = token.raw.includes('[') && referenceKey ? `${referenceKey}\u0000${token.raw}` : token.raw;
    const cached = blockCache.get(key);
    if (cached !== undefined) {
      blockCache.delete(key);
      blockCache.set(key, cached);
      return cached;
    }
    const html = renderBlock(token);
    if (blockWaits) {
      textWaits = true;
      return html;
    }
    if (blockCache.size >= blockCacheLimit) {
      const oldest = blockCache.keys().next();
      if (!oldest.done) blockCache.delete(oldest.value);
    }
    blockCache.set(key, html);
    return html;
  }

  let referenceKey = '';

  function renderSource(source: string): string[] {
    const { tokens, links } = lex(source);
    referenceKey = Object.keys(links).length ? JSON.stringify(links) : '';
    const blocks: string[] = [];
    for (const token of tokens) if (token.type !== 'space' && token.type !== 'def') blocks.push(cachedBlock(token));
    return blocks;
  }

  return (text, options = {}) => {
    const streaming = options.streaming === true;
    if (text === last.text && streaming === last.streaming && !awaitingMath.has(last.blocks)) return last.blocks;
    const normalized = text.replace(/\r\n?/g, '\n');
    const source = streaming ? normalized.replace(partialFenceLine, '') : normalized;
    let blocks: readonly string[];
    textWaits = false;
    try {
      blocks = renderSource(source);
    } catch {
      // A renderer bug must not take the conversation down: show the text as text.
      blocks = [`<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`];
    }
    if (textWaits) awaitingMath.set(blocks, math);
    last = { text, streaming, blocks };
    return blocks;
  };
}

let defaultRenderer: RenderMarkdownBlocks | undefined;

/** Renders with the global `window` (in the app), block by block. Sanitized HTML, safe for `innerHTML`. */
export function renderMarkdownBlocks(text: string, options?: RenderOptions): readonly string[] {
  if (!defaultRenderer) {
    const root = (globalThis as { window?: SanitizerWindow }).window;
    if (!root) throw new Error('renderMarkdown needs a window; in Node use createRenderer(new Window())');
    defaultRenderer = createBlockRenderer(root);
  }
  return defaultRenderer(text, options);
}

/** Renders with the global `window` (in the app). Sanitized HTML, safe for `innerHTML`. */
export function renderMarkdown(text: string, options?: RenderOptions): string {
  return renderMarkdownBlocks(text, options).join('');
}
