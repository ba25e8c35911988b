/**
 * Mounts a long thread from the bottom up: the newest rows (what the user sees first) render at once,
 * the older ones are added above in small batches while the browser is idle. Scroll anchoring keeps
 * the view still while rows appear above it. A 2,000-message conversation shows its end in the time
 * of a short one, and never blocks the page for the whole list.
 */
import { useEffect, useState } from 'react';

const firstBatch = 40;
const batch = 120;

type IdleHandle = ReturnType<typeof setTimeout> | number;

function whenIdle(work: () => void): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle: IdleHandle = window.requestIdleCallback(work, { timeout: 250 });
    return () => window.cancelIdleCallback(handle);
  }
  const handle = setTimeout(work, 16);
  return () => clearTimeout(handle);
}

/** The keys to render now: a growing tail of `keys`, complete after a few idle moments. */
export function useProgressiveKeys(keys: readonly string[]): readonly string[] {
  const [start, setStart] = useState(() => Math.max(0, keys.length - firstBatch));
  useEffect(() => {
    if (start === 0) return;
    return whenIdle(() => setStart((value) => Math.max(0, value - batch)));
  }, [start]);
  return start === 0 ? keys : keys.slice(Math.min(start, Math.max(0, keys.length - firstBatch)));
}
