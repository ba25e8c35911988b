/**
 * Errors of backchat's API as the web app shows them: the server's `detail` (`detail.message ||
 * detail`, see the error shapes in docs/api.md), a retry time for 429 with `clears_in`, or a network failure.
 */

/** An HTTP error answer. `message` is the text for people. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    /** Seconds until a rate limit clears (429 `detail.clears_in`). */
    readonly clearsInSeconds: number | null = null,
  ) {
    super(message);
  }
}

/** The request never got an answer (offline, server down, connection reset). */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(message = 'Network error: check your connection and try again.') {
    super(message);
  }
}

interface DetailObject {
  message?: unknown;
  code?: unknown;
  clears_in?: unknown;
}

function detailOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { detail?: unknown; error?: unknown };
  return record.detail ?? record.error;
}

function fallbackMessage(status: number): string {
  if (status >= 500) return 'Something went wrong on the server. Please try again.';
  if (status === 429) return 'Too many requests. Please try again later.';
  return `Request failed (HTTP ${status}).`;
}

/** "in 3 min" for a `clears_in` in seconds (at least one minute). */
export function retryAfterText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes >= 120 ? `in ${Math.round(minutes / 60)} hours` : `in ${minutes} min`;
}

/** Builds the ApiError for an HTTP `status` with JSON `body` (any shape). */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const detail = detailOf(body);
  const object = typeof detail === 'object' && detail !== null ? (detail as DetailObject) : undefined;
  const text = typeof detail === 'string' ? detail : typeof object?.message === 'string' ? object.message : '';
  const code = typeof object?.code === 'string' ? object.code : null;
  const clearsIn = typeof object?.clears_in === 'number' ? object.clears_in : null;
  let message = text.trim() || fallbackMessage(status);
  if (status === 429 && clearsIn !== null) message = `${message} Try again ${retryAfterText(clearsIn)}.`;
  return new ApiError(status, message, code, clearsIn);
}

/** The text to show for any error thrown by the API layer. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof NetworkError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
