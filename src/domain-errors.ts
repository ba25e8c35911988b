/**
 * The named errors of backchat. Each carries an HTTP status, a stable `code` and a message meant for
 * people; `server/errors.ts` is the one place that turns them into `{"detail": …}` bodies.
 */

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
}

/** Bad input: the message names the field and what is wrong with it. */
export class InvalidRequestError extends DomainError {
  override name = 'InvalidRequestError';
  readonly status = 400;
  readonly code = 'invalid_request';
}

/** A conversation/message that does not exist *for this user* (others' rows look missing too). */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  readonly status = 404;
  constructor(
    message: string,
    readonly code = 'not_found',
  ) {
    super(message);
  }
}

export class ConflictError extends DomainError {
  override name = 'ConflictError';
  readonly status = 409;
  readonly code = 'conflict';
}

export type AuthFailure = 'missing' | 'invalid' | 'expired' | 'credentials';

export class UnauthorizedError extends DomainError {
  override name = 'UnauthorizedError';
  readonly status = 401;
  constructor(
    readonly failure: AuthFailure,
    message = 'Unauthorized',
  ) {
    super(message);
  }
  get code(): string {
    return failure401Codes[this.failure];
  }
}

const failure401Codes: Record<AuthFailure, string> = {
  missing: 'missing_token',
  invalid: 'invalid_token',
  expired: 'token_expired',
  credentials: 'invalid_credentials',
};

export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
  readonly status = 403;
  readonly code = 'forbidden';
}

/** The model provider failed before sending any text. */
export class UpstreamError extends DomainError {
  override name = 'UpstreamError';
  readonly status = 502;
  readonly code = 'upstream_error';
}

/**
 * A limit was reached (message cap, concurrent answers, sign-in attempts, request rate). The reply is
 * a 429 with `Retry-After: retryAfterSeconds`; a `model_cap_exceeded` body also carries `clears_in`.
 */
export class TooManyRequestsError extends DomainError {
  override name = 'TooManyRequestsError';
  readonly status = 429;
  /** Whole seconds until a retry can succeed, at least 1. */
  readonly retryAfterSeconds: number;
  constructor(
    message: string,
    retryAfterSeconds: number,
    readonly code = 'rate_limited',
  ) {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** The server cannot take this request now (shutting down, a dependency down); retry after a while. */
export class ServiceUnavailableError extends DomainError {
  override name = 'ServiceUnavailableError';
  readonly status = 503;
  readonly code = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
