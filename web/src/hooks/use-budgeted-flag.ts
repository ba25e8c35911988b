/**
 * A flag that turns on when `wanted`, but spread over animation frames within a time budget: when a
 * chunk of 40 rows comes near, their markdown renders a few per frame (plain text shows meanwhile)
 * instead of in one long task that would drop frames during a fast scroll.
 */
import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';

const frameBudgetMs = 8;
const queue = new Set<() => void>();
let scheduled = false;

/** Runs queued upgrades until this frame's budget is spent; the rest wait for the next frame. */
function drain(): void {
  scheduled = false;
  const started = performance.now();
  for (const upgrade of queue) {
    queue.delete(upgrade);
    flushSync(upgrade);
    if (performance.now() - started > frameBudgetMs) break;
  }
  if (queue.size > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(drain);
}

/** True once `wanted` has been true and the upgrade got its turn; true at once when `eager`. */
export function useBudgetedFlag(wanted: boolean, eager: boolean): boolean {
  const [on, setOn] = useState(eager);
  useEffect(() => {
    if (on || !wanted) return;
    const upgrade = () => setOn(true);
    queue.add(upgrade);
    schedule();
    return () => {
      queue.delete(upgrade);
    };
  }, [on, wanted]);
  return on || eager;
}
