/**
 * Start-up waits for a dependency (the database, Redis) that is not answering yet — a server started
 * beside its database by a service manager or a compose file usually comes up first — with one clear
 * line for people instead of a crash, and gives up after a bounded time with the last error.
 */

export interface WaitOptions {
  /** Give up after this long (0: try once). */
  timeoutMs: number;
  log: (message: string) => void;
  /** Whether the error means "not reachable yet" (try again) rather than a mistake to report now. */
  retryable: (error: unknown) => boolean;
  /** Milliseconds between attempts (default 1 s). */
  intervalMs?: number;
}

/** How often a line says that start-up is still waiting. */
const reminderEveryMs = 10_000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `attempt` until it succeeds, fails with a non-retryable error, or `timeoutMs` has passed. */
export async function waitForDependency<T>(what: string, attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const started = Date.now();
  const intervalMs = options.intervalMs ?? 1_000;
  let lastReminder = 0;
  for (;;) {
    try {
      const result = await attempt();
      if (lastReminder > 0) options.log(`${what} is answering now`);
      return result;
    } catch (error) {
      const waited = Date.now() - started;
      if (!options.retryable(error) || waited >= options.timeoutMs) {
        if (waited > 0 && options.retryable(error) && error instanceof Error) {
          error.message = `${error.message} (gave up after waiting ${Math.round(waited / 1000)} s)`;
        }
        throw error;
      }
      if (lastReminder === 0 || Date.now() - lastReminder >= reminderEveryMs) {
        const limit = Math.round(options.timeoutMs / 1000);
        options.log(`waiting for ${what} (up to ${limit} s): ${message(error)}`);
        lastReminder = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, options.timeoutMs - waited)));
    }
  }
}
