/**
 * The one place where errors become HTTP responses: domain errors keep their status and message,
 * framework errors (body too large, bad JSON, wrong content type) become clear 4xx bodies, and
 * anything unexpected is a 500 that reveals nothing (no stack, no SQL).
 */
import { ZodError } from 'zod';
import {
  DomainError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../domain-errors.js';
import {
  detailBody,
  type ErrorBody,
  expiredTokenBody,
  invalidTokenBody,
  missingTokenBody,
} from '../protocol/error-bodies.js';
import { describeZodError } from '../protocol/requests.js';
import { DatabaseConnectionError, DuplicateKeyError, UnsupportedTextError } from '../store/store-errors.js';

export interface ErrorReply {
  status: number;
  body: ErrorBody;
  /** Extra response headers (`Retry-After` on a 429). */
  headers?: Record<string, string>;
}

function unauthorized(error: UnauthorizedError): ErrorReply {
  const bodies = {
    missing: missingTokenBody,
    invalid: invalidTokenBody,
    expired: expiredTokenBody,
    credentials: detailBody(error.message),
  };
  return { status: 401, body: bodies[error.failure] };
}

/** ChatGPT's model-cap body carries `clears_in`; every other limit answers with a plain detail string. */
function tooManyRequests(error: TooManyRequestsError): ErrorReply {
  const seconds = error.retryAfterSeconds;
  const body: ErrorBody =
    error.code === 'model_cap_exceeded'
      ? { detail: { message: error.message, code: error.code, clears_in: seconds } }
      : detailBody(error.message);
  return { status: 429, body, headers: { 'retry-after': String(seconds) } };
}

/** Fastify's own error codes for request framing problems. */
const frameworkMessages: Record<string, { status: number; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    message: 'Request body is too large: the limit is 1 MiB for the API and 500 KB for /ces/v1/b',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: 'Request body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: 'Request body is not valid JSON' },
};

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/** How long a client is asked to wait when the database is unreachable. */
const dependencyRetryAfterSeconds = 5;

export function toErrorReply(error: unknown): ErrorReply | undefined {
  if (error instanceof UnauthorizedError) return unauthorized(error);
  if (error instanceof TooManyRequestsError) return tooManyRequests(error);
  if (error instanceof ServiceUnavailableError) {
    return {
      status: 503,
      body: detailBody(error.message),
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof NotFoundError && error.code === 'conversation_not_found') {
    return { status: 404, body: detailBody(error.message, error.code) };
  }
  if (error instanceof DomainError) return { status: error.status, body: detailBody(error.message) };
  if (error instanceof ZodError) return { status: 400, body: detailBody(describeZodError(error)) };
  const stored = storeErrorReply(error);
  if (stored) return stored;
  const framework = error as FrameworkError;
  const known = framework.code ? frameworkMessages[framework.code] : undefined;
  if (known) return { status: known.status, body: detailBody(known.message) };
  if (framework.statusCode && framework.statusCode >= 400 && framework.statusCode < 500) {
    return { status: framework.statusCode, body: detailBody(framework.message ?? 'Bad request') };
  }
  return undefined;
}

/** Store errors that reach a route: a refusal of the input, a race on a unique key, a database outage. */
function storeErrorReply(error: unknown): ErrorReply | undefined {
  if (error instanceof UnsupportedTextError) {
    return { status: 400, body: detailBody('Text must not contain NUL characters or unpaired surrogates') };
  }
  if (error instanceof DuplicateKeyError)
    return { status: 409, body: detailBody('That already exists; retry with a new id') };
  if (error instanceof DatabaseConnectionError) {
    return {
      status: 503,
      body: detailBody('The database is unavailable right now; try again in a moment'),
      headers: { 'retry-after': String(dependencyRetryAfterSeconds) },
    };
  }
  return undefined;
}

export const internalErrorReply: ErrorReply = {
  status: 500,
  body: detailBody('Something went wrong on the server. Try again; if it keeps happening, check the server log.'),
};
