/** Reads a whole SSE response into its events (test side; uses eventsource-parser like real clients). */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ParsedStream {
  raw: string;
  events: EventSourceMessage[];
  /** The JSON payloads of the `data:` events (not `[DONE]`, not pings). */
  payloads: Array<Record<string, unknown>>;
}

export async function readSse(response: Response): Promise<ParsedStream> {
  const raw = await response.text();
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(raw);
  const payloads = events
    .filter((event) => event.event === undefined && event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as Record<string, unknown>);
  return { raw, events, payloads };
}
