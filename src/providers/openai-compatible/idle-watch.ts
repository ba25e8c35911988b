/** Aborts a stream that goes silent: an AbortSignal that fires when `arm()` is not called again in time. */

/** Watches a stream for silence longer than `idleMs` between chunks. */
export class IdleWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs: number) {}

  /** Aborted once the stream has been silent for `idleMs`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when the silence limit fired. */
  get fired(): boolean {
    return this.controller.signal.aborted;
  }

  /** (Re)starts the countdown: call on every chunk. Restarting reuses the timer (it runs per token). */
  arm(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.controller.abort(), this.idleMs);
  }

  /** Stops the countdown for good. */
  stop(): void {
    clearTimeout(this.timer);
  }
}
