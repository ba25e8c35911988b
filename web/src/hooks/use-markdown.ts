/**
 * The markdown renderer (web/src/markdown), loaded as its own chunk so highlight.js and KaTeX never
 * delay the first paint: the sign-in page does not load it at all; signed in, the app starts loading it
 * as soon as the session is known (main.tsx), before the chat renders. Until it arrives, messages show
 * their plain text.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';

/** Sanitized HTML per top-level block (web/src/markdown/render-markdown.ts, `RenderMarkdownBlocks`). */
export type RenderMarkdown = (text: string, options?: { streaming?: boolean }) => readonly string[];

let renderer: RenderMarkdown | null = null;
let arrivalOf: ((blocks: readonly string[]) => Promise<void> | null) | null = null;
let loading: Promise<RenderMarkdown> | null = null;
const listeners = new Set<() => void>();

/** Starts loading the renderer (once); resolves with it. */
export function loadMarkdown(): Promise<RenderMarkdown> {
  if (!loading) {
    loading = import('../markdown/render-markdown.js').then((module) => {
      renderer = module.renderMarkdownBlocks;
      arrivalOf = module.mathArrival;
      for (const listener of [...listeners]) listener();
      return module.renderMarkdownBlocks;
    });
    // A chunk that fails to load leaves the messages as plain text: no one's error to report.
    loading.catch(() => undefined);
  }
  return loading;
}

/**
 * For blocks the renderer returned: null when they are final, else a promise settling when the
 * formulas they show as source can be rendered (KaTeX loads the first time one is met).
 */
export function mathArrival(blocks: readonly string[]): Promise<void> | null {
  return arrivalOf?.(blocks) ?? null;
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

/**
 * Whether to draw messages now: true once the renderer is here, or `waitMs` after asking for it (or at
 * once if it failed to load) — then plain text until it comes. Waiting a moment for it spares drawing a
 * conversation's messages twice, as plain text and again as markdown, and the jump in between.
 */
export function useMarkdownReady(waitMs: number): boolean {
  const current = useMarkdownRenderer();
  const [gaveUp, setGaveUp] = useState(false);
  useEffect(() => {
    if (current || gaveUp) return;
    const timer = setTimeout(() => setGaveUp(true), waitMs);
    loadMarkdown().catch(() => setGaveUp(true));
    return () => clearTimeout(timer);
  }, [current, gaveUp, waitMs]);
  return current !== null || gaveUp;
}
