/**
 * Reading an answer's server-sent events (docs/api.md): `data:` JSON events carrying the assistant
 * message with cumulative `parts`, an optional `{"message": null, "error": …}`, the moderation event,
 * then `data: [DONE]`. `event: ping` keep-alives are skipped. The same reader serves the stream of
 * `POST /backend-api/conversation` and the one a page attaches to later (`GET …/conversation/{id}/stream`);
 * in background mode every event carries an `id:` line, which is kept so a dropped stream can be
 * picked up again after it. The app asks for delta events (`X-Backchat-Deltas: 1`): an event that
 * only inserts text into the previous one (the answer growing) comes as that insertion, and is
 * spliced back here — a 2,000-token answer is then 103 KB on the wire instead of 9.9 MB.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { applyInsertion, deltaEventName, deltasHeader } from '../../../src/protocol/stream-deltas.js';
import type { WireMessage } from '../../../src/protocol/wire-types.js';

/** Sent with every request for an answer's stream: it may carry delta events. */
export const streamHeaders: Readonly<Record<string, string>> = { accept: 'text/event-stream', [deltasHeader]: '1' };

export type StreamEvent =
  | { type: 'message'; message: WireMessage; conversationId: string }
  | { type: 'error'; error: string; conversationId: string | null }
  /** Nothing to show (the moderation event, unknown shapes), but its id still counts. */
  | { type: 'other' }
  | { type: 'done' };

/** One event as read, with its SSE `id:` (null when the server sent none). */
export interface StreamItem {
  id: string | null;
  event: StreamEvent;
}

interface RawEvent {
  message?: WireMessage | null;
  conversation_id?: string;
  error?: unknown;
}

/** The typed event of one SSE message, or undefined for pings. */
export function toStreamEvent(event: EventSourceMessage): StreamEvent | undefined {
  if (event.event === 'ping') return undefined;
  if (event.data === '[DONE]') return { type: 'done' };
  let raw: RawEvent;
  try {
    raw = JSON.parse(event.data) as RawEvent;
  } catch {
    return { type: 'other' };
  }
  const conversationId = typeof raw.conversation_id === 'string' ? raw.conversation_id : null;
  if (raw.error) return { type: 'error', error: String(raw.error), conversationId };
  if (raw.message && raw.message.author?.role === 'assistant' && conversationId) {
    return { type: 'message', message: raw.message, conversationId };
  }
  return { type: 'other' };
}

/**
 * Turns delta events back into whole ones: each JSON payload is kept, and a delta is spliced into the
 * one before it. A delta with nothing (or nothing that fits) before it is left as an unknown event.
 */
function wholeEvents(): (message: EventSourceMessage) => EventSourceMessage {
  let last: string | undefined;
  return (message) => {
    if (message.event === 'ping' || message.data === '[DONE]') return message;
    if (message.event !== deltaEventName) {
      last = message.data;
      return message;
    }
    let insertion: unknown;
    try {
      insertion = JSON.parse(message.data);
    } catch {
      return message;
    }
    const data = last === undefined ? undefined : applyInsertion(last, insertion);
    if (data === undefined) return message;
    last = data;
    return { ...message, event: undefined, data };
  };
}

/** Yields the events of `body` as they arrive; ends at `[DONE]` or when the body ends. */
export async function* readAnswerStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamItem> {
  const pending: StreamItem[] = [];
  const whole = wholeEvents();
  const parser = createParser({
    onEvent: (message) => {
      const event = toStreamEvent(whole(message));
      if (event) pending.push({ id: message.id ?? null, event });
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
      while (pending.length > 0) {
        const item = pending.shift();
        if (item) yield item;
        if (item?.event.type === 'done') return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The text of a streamed message (`parts[0]`, cumulative). */
export function streamedText(message: WireMessage): string {
  const first = message.content.parts[0];
  return typeof first === 'string' ? first : '';
}

/** `metadata.finish_details.type` (`stop`, `max_tokens`, `interrupted`) or null while in progress. */
export function finishType(message: WireMessage): string | null {
  const details = message.metadata.finish_details;
  if (typeof details !== 'object' || details === null) return null;
  const type = (details as { type?: unknown }).type;
  return typeof type === 'string' ? type : null;
}
