/**
 * Work that may wait so that requests people are waiting for do not: tasks run one after another,
 * a few milliseconds of them per turn of the event loop (in its check phase, after the turn's I/O), then
 * the lane yields. A flood of such work (telemetry batches: parsing, validating) then delays any other
 * request by about one budget instead of by everything that arrived before it.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds of tasks per turn of the event loop (a task that overruns it finishes first). */
const defaultBudgetMs = 1;

export class BackgroundLane {
  readonly #budgetMs: number;
  readonly #tasks: Array<() => void> = [];
  #scheduled = false;

  constructor(budgetMs = defaultBudgetMs) {
    this.#budgetMs = budgetMs;
  }

  /** Tasks waiting for their turn. */
  get waiting(): number {
    return this.#tasks.length;
  }

  /** Runs `task` (synchronous work) in the lane: resolves with its result, rejects with its error. */
  run<T>(task: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#tasks.push(() => {
        try {
          resolve(task());
        } catch (error) {
          reject(error);
        }
      });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    const started = performance.now();
    let task = this.#tasks.shift();
    while (task) {
      task();
      if (performance.now() - started >= this.#budgetMs) break;
      task = this.#tasks.shift();
    }
    if (this.#tasks.length > 0) this.#schedule();
  }
}
