/** Server-sent-event frames of the conversation stream (docs/api.md, "The conversation stream"). */
import { pythonJson } from './python-json.js';

/** Exactly this string: at least one client compares the header for equality. */
export const sseContentType = 'text/event-stream; charset=utf-8';

/** One event: `data: ` (one space), the JSON on one ASCII-only line, a blank line. */
export function sseData(payload: unknown): string {
  return sseEvent(pythonJson(payload));
}

/** The payload of the last event of a stream. */
export const doneData = '[DONE]';

export const sseDone = sseEvent(doneData);

/**
 * One event whose payload is already encoded (`data`), with an `id:` line when `id` is given — the
 * id a client sends back as `Last-Event-ID` to resume (only on resumable streams: docs/api.md).
 */
export function sseEvent(data: string, id?: number): string {
  return id === undefined ? `data: ${data}\n\n` : `id: ${id}\ndata: ${data}\n\n`;
}

/** The real server's keepalive: `event: ping` with a plain timestamp (not JSON). */
export function ssePing(now: Date): string {
  const stamp = now.toISOString().replace('T', ' ').replace('Z', '000');
  return `event: ping\ndata: ${stamp}\n\n`;
}
