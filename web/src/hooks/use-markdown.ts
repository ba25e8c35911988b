/**
 * The markdown renderer (web/src/markdown), loaded as its own chunk so highlight.js and KaTeX do
 * not delay the first paint. Until it arrives, messages show their plain text.
 */
import { useSyncExternalStore } from 'react';

export type RenderMarkdown = (text: string, options?: { streaming?: boolean }) => string;

let renderer: RenderMarkdown | null = null;
const listeners = new Set<() => void>();

export const markdownReady: Promise<RenderMarkdown> = import('../markdown/render-markdown').then((module) => {
  renderer = module.renderMarkdown;
  for (const listener of [...listeners]) listener();
  return module.renderMarkdown;
});

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useMarkdownRenderer(): RenderMarkdown | null {
  return useSyncExternalStore(subscribe, () => renderer);
}
