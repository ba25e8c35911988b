/** Server-sent-event frames of the conversation stream (PROTOCOL.md §4.1–4.2). */
import { pythonJson } from './python-json.js';

/** Exactly this string: one client compares the header for equality (§4.1). */
export const sseContentType = 'text/event-stream; charset=utf-8';

/** One event: `data: ` (one space), the JSON on one ASCII-only line, a blank line. */
export function sseData(payload: unknown): string {
  return `data: ${pythonJson(payload)}\n\n`;
}

export const sseDone = 'data: [DONE]\n\n';

/** The real server's keepalive: `event: ping` with a plain timestamp (not JSON). */
export function ssePing(now: Date): string {
  const stamp = now.toISOString().replace('T', ' ').replace('Z', '000');
  return `event: ping\ndata: ${stamp}\n\n`;
}
