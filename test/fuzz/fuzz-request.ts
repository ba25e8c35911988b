/**
 * One generated HTTP request of the fuzz tiers, and how it is shown in a failure report (short: a
 * 1 MB body is summarised, not printed).
 */
import fc from 'fast-check';

/** Who sends the request: a signed-in user, nobody, or a token that is not one. */
export type Identity = 'admin' | 'user' | 'anonymous' | 'garbage';

export interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded where HTTP requires it; may hold raw `..` segments. */
  url: string;
  identity: Identity;
  /** Extra headers (content type and the like); authorization comes from `identity`. */
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The route pattern it was generated for (coverage statistics), e.g. `PATCH /backend-api/conversation/:id`. */
  route: string;
  /** Which generator made it, e.g. `generic:deep-nesting` or `schema:turn-next`. */
  kind: string;
}

function preview(value: string, max = 300): string {
  return value.length > max ? `${value.slice(0, max)}… (${value.length} chars)` : value;
}

/** A one-screen description of the request, for failure messages. */
export function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? ''
      : typeof request.body === 'string'
        ? ` body=${JSON.stringify(preview(request.body))}`
        : ` body=<${request.body.length} bytes>`;
  return `[${request.kind}] ${request.method} ${preview(request.url, 200)} as ${request.identity} headers=${JSON.stringify(request.headers)}${body}`;
}

/** Gives the request fast-check's custom printing, so counterexamples stay readable. */
export function printable(request: FuzzRequest): FuzzRequest {
  return Object.defineProperty(request, fc.toStringMethod, {
    value: () => describeRequest(request),
    enumerable: false,
  });
}
