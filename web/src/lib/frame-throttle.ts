/**
 * Coalesces updates to one per animation frame: streamed tokens arrive faster than the screen can
 * show them, so only the newest pending update runs, once per frame (a timer stands in while the
 * tab is hidden, where animation frames are paused).
 */
export class FrameThrottle {
  private pending: (() => void) | null = null;
  private frame: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Runs `update` on the next frame, replacing any update still waiting. */
  schedule(update: () => void): void {
    this.pending = update;
    if (this.frame !== null || this.timer !== null) return;
    if (document.hidden) this.timer = setTimeout(() => this.flush(), 100);
    else this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Runs the waiting update now (e.g. before the final state is applied). */
  flush(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.timer !== null) clearTimeout(this.timer);
    this.frame = null;
    this.timer = null;
    const update = this.pending;
    this.pending = null;
    update?.();
  }
}
