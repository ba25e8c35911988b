/** A renderer over a jsdom window, shared by the renderer's unit tests (DOMPurify does not support happy-dom). */
import { JSDOM } from 'jsdom';
import { katexMath } from '../../web/src/markdown/math-source.js';
import { createRenderer, type RenderMarkdown } from '../../web/src/markdown/render-markdown.js';
import type { SanitizerWindow } from '../../web/src/markdown/sanitize-html.js';

// The app loads KaTeX the first time a formula is met; these tests render math at once, as the app
// does once it is loaded (math-source.test.ts covers the moment before).
await katexMath.arrival();

export const testWindow = new JSDOM('').window as unknown as SanitizerWindow;

/** A fresh renderer (own caches) over the shared window. */
export function newRenderer(): RenderMarkdown {
  return createRenderer(testWindow);
}
