/**
 * The markdown renderer (web/src/markdown), loaded as its own chunk so highlight.js and KaTeX never
 * delay the first paint: the sign-in page does not load it at all; signed in, the app starts loading it
 * as soon as the session is known (main.tsx), before the chat renders. Until it arrives, messages show
 * their plain text.
 */
import { useEffect, useSyncExternalStore } from 'react';

/** Sanitized HTML per top-level block (web/src/markdown/render-markdown.ts, `RenderMarkdownBlocks`). */
export type RenderMarkdown = (text: string, options?: { streaming?: boolean }) => readonly string[];

let renderer: RenderMarkdown | null = null;
let loading: Promise<RenderMarkdown> | null = null;
const listeners = new Set<() => void>();

/** Starts loading the renderer (once); resolves with it. */
export function loadMarkdown(): Promise<RenderMarkdown> {
  loading ??= import('../markdown/render-markdown.js').then((module) => {
    renderer = module.renderMarkdownBlocks;
    for (const listener of [...listeners]) listener();
    return module.renderMarkdownBlocks;
  });
  return loading;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The renderer, or null while it loads (asking for it starts the load). */
export function useMarkdownRenderer(): RenderMarkdown | null {
  const current = useSyncExternalStore(subscribe, () => renderer);
  useEffect(() => {
    if (!current) void loadMarkdown();
  }, [current]);
  return current;
}
