/**
 * Where the renderer's math comes from: KaTeX, loaded the first time a message has math. KaTeX is about
 * half of the markdown renderer's code; a conversation without math (most of them) never loads or
 * evaluates it, which shortens opening one (docs/web-ui.md, "Math"). Until it has arrived a formula
 * shows as its TeX source in a `.math-pending` span; the blocks that hold one are not cached, and
 * `arrival()` tells the page when to draw them again.
 */
import { escapeHtml } from './markdown-parser.js';

/** Renders math for the markdown renderer, now or once it can. */
export interface MathSource {
  /** KaTeX's HTML for `tex`, or null while the renderer of math is not here (asking starts loading it). */
  render(tex: string, display: boolean): string | null;
  /** Settles once math can be rendered (at once if it can now); rejects if it could not be loaded. */
  arrival(): Promise<void>;
}

type RenderMath = (tex: string, display: boolean) => string;

/** A source whose renderer is loaded by `load`, once, when first needed. */
export function lazyMathSource(load: () => Promise<RenderMath>): MathSource {
  let renderMath: RenderMath | null = null;
  let loading: Promise<void> | null = null;
  const start = (): Promise<void> => {
    if (!loading) {
      loading = load().then(
        (loaded) => {
          renderMath = loaded;
        },
        (error: unknown) => {
          // Asked again later (the next formula drawn), as after a dropped connection.
          loading = null;
          throw error;
        },
      );
      // Nobody may be waiting yet: a failed load is seen by `arrival()`'s callers, not reported here.
      loading.catch(() => undefined);
    }
    return loading;
  };
  return {
    render(tex, display) {
      if (renderMath) return renderMath(tex, display);
      void start();
      return null;
    },
    arrival: start,
  };
}

/** KaTeX, as its own chunk of the app (imported on first use). */
export const katexMath: MathSource = lazyMathSource(() =>
  import('./katex-render.js').then((module) => module.renderMath),
);

/** What stands in for a formula until KaTeX is here: its source, as typed, marked as pending. */
export function pendingMath(tex: string, display: boolean): string {
  const source = display ? `$$${tex}$$` : `$${tex}$`;
  return `<span class="math-pending">${escapeHtml(source)}</span>`;
}
