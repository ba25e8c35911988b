/** A renderer over a jsdom window, shared by the renderer's unit tests (DOMPurify does not support happy-dom). */
import { JSDOM } from 'jsdom';
import { createRenderer, type RenderMarkdown } from '../../web/src/markdown/render-markdown.js';
import type { SanitizerWindow } from '../../web/src/markdown/sanitize-html.js';

export const testWindow = new JSDOM('').window as unknown as SanitizerWindow;

/** A fresh renderer (own caches) over the shared window. */
export function newRenderer(): RenderMarkdown {
  return createRenderer(testWindow);
}
