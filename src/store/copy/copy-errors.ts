/** The one error of `backchat copy`: what went wrong and what to do next, for people (exit code 1). */

/** A copy that was refused, interrupted or did not verify; `message` says what to do next. */
export class CopyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CopyError';
  }
}
