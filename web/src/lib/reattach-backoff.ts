/**
 * When to try again to pick up an answer whose stream dropped: at once, then after a delay that
 * doubles, a few times only — past that the page says the connection was lost.
 */

/** Milliseconds to wait before each attempt in a row that brought nothing new. */
export const reattachDelaysMs: readonly number[] = [0, 300, 600, 1200, 2400];

/** The most attempts one answer gets in all, even when every one of them brought something. */
export const maxReattaches = 20;

/**
 * The wait before attempt number `fruitless` (0-based count of attempts in a row that brought no
 * event) when `total` attempts were made already; null when the page should give up.
 */
export function reattachDelay(fruitless: number, total: number): number | null {
  if (total >= maxReattaches) return null;
  return reattachDelaysMs[fruitless] ?? null;
}

/** Resolves after `ms`, or rejects with the signal's AbortError as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
