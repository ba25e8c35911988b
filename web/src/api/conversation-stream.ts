/**
 * Reading the conversation SSE stream (PROTOCOL.md §4): `data:` JSON events carrying the assistant
 * message with cumulative `parts`, an optional `{"message": null, "error": …}`, the moderation event,
 * then `data: [DONE]`. `event: ping` keep-alives are skipped.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { WireMessage } from '../../../src/protocol/wire-types.js';

export type StreamEvent =
  | { type: 'message'; message: WireMessage; conversationId: string }
  | { type: 'error'; error: string; conversationId: string | null }
  | { type: 'done' };

interface RawEvent {
  message?: WireMessage | null;
  conversation_id?: string;
  error?: unknown;
}

/** The typed event of one SSE message, or undefined for pings, moderation and unknown shapes. */
export function toStreamEvent(event: EventSourceMessage): StreamEvent | undefined {
  if (event.event === 'ping') return undefined;
  if (event.data === '[DONE]') return { type: 'done' };
  let raw: RawEvent;
  try {
    raw = JSON.parse(event.data) as RawEvent;
  } catch {
    return undefined;
  }
  const conversationId = typeof raw.conversation_id === 'string' ? raw.conversation_id : null;
  if (raw.error) return { type: 'error', error: String(raw.error), conversationId };
  if (raw.message && raw.message.author?.role === 'assistant' && conversationId) {
    return { type: 'message', message: raw.message, conversationId };
  }
  return undefined;
}

/** Yields the typed events of `body` as they arrive; ends at `[DONE]` or when the body ends. */
export async function* readConversationStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const pending: StreamEvent[] = [];
  const parser = createParser({
    onEvent: (message) => {
      const event = toStreamEvent(message);
      if (event) pending.push(event);
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
        const event = pending.shift();
        if (event) yield event;
        if (event?.type === 'done') return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The text of a streamed message (`parts[0]`, cumulative). */
export function messageText(message: WireMessage): string {
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
