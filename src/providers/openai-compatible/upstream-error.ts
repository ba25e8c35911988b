/**
 * Turns anything the upstream HTTP client (upstream-http.ts) or the stream (completion-chunk.ts) throws
 * into one clear sentence for people: what failed, against which upstream, and what to do. Never
 * includes the API key.
 */
import { MalformedChunkError, StreamErrorEvent } from './completion-chunk.js';
import { redactSecrets } from './redact.js';
import {
  UpstreamConnectionError,
  UpstreamCutError,
  UpstreamStatusError,
  UpstreamTimeoutError,
} from './upstream-http.js';

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

/** An error object's message: `{message: "…"}` → the text, another value → its JSON. */
function errorObjectMessage(error: unknown): string | undefined {
  if (error === null || error === undefined || error === false || error === '') return undefined;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && 'message' in error && error.message) {
    return typeof error.message === 'string' ? error.message : JSON.stringify(error.message);
  }
  return JSON.stringify(error);
}

/**
 * What an error body says: OpenAI's `{"error": {"message": …}}` (Ollama's `{"error": "…"}`), else the
 * raw text (an HTML page, FastAPI's `{"detail": …}`).
 */
function bodyMessage(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const error = parsed !== null && typeof parsed === 'object' && 'error' in parsed ? parsed.error : undefined;
  return errorObjectMessage(error) ?? body;
}

/** The upstream's own message, cleaned (no tags, no key) and shortened. */
function cleanDetail(raw: string, context: UpstreamContext): string {
  const flat = redactSecrets(
    raw
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    context.apiKey,
  );
  return flat.length > maxDetailChars ? `${flat.slice(0, maxDetailChars)}…` : flat || '(no message)';
}

function describeTimeout(context: UpstreamContext): UpstreamFailure {
  const seconds = context.timeoutMs / 1000;
  return {
    message: `upstream ${context.url} did not answer within ${seconds} s — the model server may be overloaded or still loading the model; try again, or raise the provider's timeoutMs`,
  };
}

function describeConnectionError(error: UpstreamConnectionError, context: UpstreamContext): UpstreamFailure {
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const code = redactSecrets(error.code ?? cause ?? 'connection failed', context.apiKey);
  return {
    message: `cannot connect to upstream ${context.url} (${code}) — is the model server running at that address? Check OPENAI_BASE_URL (or the provider's baseUrl)`,
  };
}

function describeCut(error: UpstreamCutError, context: UpstreamContext): UpstreamFailure {
  return {
    message: `upstream ${context.url} closed the connection in the middle of the reply (${error.code ?? 'terminated'}) — the model server may have crashed or restarted; try again`,
  };
}

function describeStatus(error: UpstreamStatusError, context: UpstreamContext): UpstreamFailure {
  const { status } = error;
  const detail = cleanDetail(bodyMessage(error.body), context);
  return { message: `upstream ${context.url} answered ${status}: ${detail} — ${statusHint(status, context)}`, status };
}

/** One sentence describing `error` (thrown while calling or streaming from the upstream). */
export function describeUpstreamError(error: unknown, context: UpstreamContext): UpstreamFailure {
  if (error instanceof UpstreamStatusError) return describeStatus(error, context);
  if (error instanceof UpstreamTimeoutError) return describeTimeout(context);
  if (error instanceof UpstreamConnectionError) return describeConnectionError(error, context);
  if (error instanceof UpstreamCutError) return describeCut(error, context);
  if (error instanceof StreamErrorEvent) {
    const detail = cleanDetail(errorObjectMessage(error.error) ?? '', context);
    return { message: `upstream ${context.url} reported an error in the middle of the reply: ${detail}` };
  }
  if (error instanceof MalformedChunkError) {
    return {
      message: `upstream ${context.url} sent a malformed stream (a chunk that is not JSON) — is the base URL an OpenAI-compatible /v1 endpoint?`,
    };
  }
  const detail = redactSecrets(error instanceof Error ? error.message : String(error), context.apiKey);
  return { message: `upstream ${context.url} failed: ${detail} — try again, and check the model server's log` };
}
