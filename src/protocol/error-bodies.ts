/** The `{"detail": …}` error bodies that ChatGPT clients parse (docs/api.md, "Errors" and "Limits"). */

export type ErrorBody = { detail: string | Record<string, unknown> };

export const missingTokenBody: ErrorBody = { detail: { message: 'Unauthorized - Access token is missing' } };

export const invalidTokenBody: ErrorBody = {
  detail: 'Could not parse your authentication token. Please try signing in again.',
};

export const expiredTokenBody: ErrorBody = {
  detail: {
    message: 'Your authentication token has expired. Please try signing in again.',
    type: 'invalid_request_error',
    param: null,
    code: 'token_expired',
  },
};

export const notFoundRouteBody: ErrorBody = { detail: 'Not found' };

export function detailBody(message: string, code?: string): ErrorBody {
  return code ? { detail: { message, code } } : { detail: message };
}
