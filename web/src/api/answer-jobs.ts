/**
 * Answers that keep being written on the server after the page that asked for them is gone
 * (docs/decisions/2026-12-02-resumable-answers.md): the request header that asks for it,
 * attaching to an answer being written, and stopping it for every page that shows it.
 */
import { streamHeaders } from './answer-stream.js';
import { ApiError } from './api-error.js';
import { request, requestJson } from './http-client.js';

/** Sent with `POST /backend-api/conversation`: the answer runs to its end even if this page goes away. */
export const backgroundHeaders: Readonly<Record<string, string>> = { 'x-backchat-background': '1' };

function conversationPath(conversationId: string, tail: string): string {
  return `/backend-api/conversation/${encodeURIComponent(conversationId)}/${tail}`;
}

/**
 * Opens the event stream of the answer being written in `conversationId`: everything after event
 * `lastEventId`, or from the start when it is null. Resolves to null when nothing is being written
 * there any more (404): the stored conversation then has the final answer.
 */
export async function openAnswerStream(
  conversationId: string,
  lastEventId: string | null,
  signal: AbortSignal,
): Promise<Response | null> {
  const headers: Record<string, string> = { ...streamHeaders };
  if (lastEventId !== null) headers['last-event-id'] = lastEventId;
  try {
    return await request(conversationPath(conversationId, 'stream'), { headers, signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** Stops the answer being written in `conversationId` for everyone; true when one was running. */
export async function stopAnswer(conversationId: string): Promise<boolean> {
  const body = await requestJson<{ stopped?: unknown }>(conversationPath(conversationId, 'stop'), {
    method: 'POST',
    json: {},
  });
  return body?.stopped === true;
}
