/** Bounded waiting for tests: a hang becomes a failure with a message instead of a stalled run. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves like `work`, or rejects after `ms` naming `what`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  const timer = new AbortController();
  const timeout = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`${what}: no result within ${ms} ms`);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timer.abort();
    timeout.catch(() => {});
  }
}

/** Calls `check` every `intervalMs` until it returns a value other than undefined; rejects after `timeoutMs`. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 5000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`${what}: not within ${timeoutMs} ms${reason}`);
}
