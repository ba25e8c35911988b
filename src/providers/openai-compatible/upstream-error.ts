/**
 * Turns anything the openai SDK or fetch throws into one clear sentence for people: what failed,
 * against which upstream, and what to do. Never includes the API key.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { redactSecrets } from './redact.js';

/** What the message may mention about the failed call. */
export interface UpstreamContext {
  /** Display form of the base URL (see displayUrl). */
  url: string;
  /** The upstream model name of the request, if any. */
  model?: string;
  /** The API key, only so it can be removed from upstream text. */
  apiKey?: string;
  /** Milliseconds allowed for the response headers. */
  timeoutMs: number;
}

/** A described failure: `status` is the upstream's HTTP status when there was one. */
export interface UpstreamFailure {
  message: string;
  status?: number;
}

const maxDetailChars = 300;

function statusHint(status: number, context: UpstreamContext): string {
  if (status === 401) return 'check OPENAI_API_KEY (or the provider’s apiKey)';
  if (status === 403) return 'the API key may not have access to this model; check OPENAI_API_KEY and the model name';
  if (status === 404) return `check the model name "${context.model ?? '?'}" and that the base URL ends in /v1`;
  if (status === 429) return 'the upstream is rate-limiting or out of quota; wait a moment and try again';
  if (status === 400 || status === 422) return 'the upstream rejected the request; check the model name and its limits';
  if (status >= 500) return 'the model server failed; try again in a moment';
  return 'check the provider configuration (OPENAI_BASE_URL, OPENAI_API_KEY)';
}

/** The upstream's own message (from its JSON error body, or its raw body), cleaned and shortened. */
function upstreamDetail(error: APIError, context: UpstreamContext): string {
  const body: unknown = error.error;
  const bodyMessage =
    body && typeof body === 'object' && 'message' in body && typeof body.message === 'string'
      ? body.message
      : undefined;
  const raw = bodyMessage ?? error.message.replace(/^\d{3}\s*/, '');
  const flat = redactSecrets(
    raw
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    context.apiKey,
  );
  return flat.length > maxDetailChars ? `${flat.slice(0, maxDetailChars)}…` : flat || '(no message)';
}

/** The first `code` (e.g. ECONNREFUSED) along an error's `cause` chain, else the innermost message. */
function rootCause(error: unknown): string | undefined {
  let current: unknown = error;
  let message: string | undefined;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    if (current instanceof Error) message = current.message;
    current = 'cause' in current ? current.cause : undefined;
  }
  return message;
}

/** Only the `code` along the cause chain (a socket error code such as UND_ERR_SOCKET). */
function causeCode(error: unknown): string | undefined {
  const cause = rootCause(error);
  return cause && /^[A-Z_]+$/.test(cause) ? cause : undefined;
}

function describeConnectionError(error: APIConnectionError, context: UpstreamContext): UpstreamFailure {
  if (error instanceof APIConnectionTimeoutError) {
    const seconds = context.timeoutMs / 1000;
    return {
      message: `upstream ${context.url} did not answer within ${seconds} s — the model server may be overloaded or still loading the model; try again, or raise the provider's timeoutMs`,
    };
  }
  const code = redactSecrets(rootCause(error) ?? 'connection failed', context.apiKey);
  return {
    message: `cannot connect to upstream ${context.url} (${code}) — is the model server running at that address? Check OPENAI_BASE_URL (or the provider's baseUrl)`,
  };
}

/** undici reports a body cut short as `TypeError: terminated` (cause: the socket error). */
function isConnectionCut(error: unknown, code: string | undefined): boolean {
  const cutCodes = ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_BODY_TIMEOUT'];
  return (error instanceof Error && error.message === 'terminated') || (code !== undefined && cutCodes.includes(code));
}

function describeStreamError(error: unknown, context: UpstreamContext): UpstreamFailure {
  if (error instanceof SyntaxError) {
    return {
      message: `upstream ${context.url} sent a malformed stream (a chunk that is not JSON) — is the base URL an OpenAI-compatible /v1 endpoint?`,
    };
  }
  const code = causeCode(error);
  if (isConnectionCut(error, code)) {
    return {
      message: `upstream ${context.url} closed the connection in the middle of the reply (${code ?? 'terminated'}) — the model server may have crashed or restarted; try again`,
    };
  }
  const detail = redactSecrets(error instanceof Error ? error.message : String(error), context.apiKey);
  return { message: `upstream ${context.url} failed: ${detail} — try again, and check the model server's log` };
}

/** One sentence describing `error` (thrown while calling or streaming from the upstream). */
export function describeUpstreamError(error: unknown, context: UpstreamContext): UpstreamFailure {
  if (error instanceof APIConnectionError) return describeConnectionError(error, context);
  if (error instanceof APIError && error.status !== undefined) {
    const { status } = error;
    const message = `upstream ${context.url} answered ${status}: ${upstreamDetail(error, context)} — ${statusHint(status, context)}`;
    return { message, status };
  }
  if (error instanceof APIError) {
    return {
      message: `upstream ${context.url} reported an error in the middle of the reply: ${upstreamDetail(error, context)}`,
    };
  }
  return describeStreamError(error, context);
}
