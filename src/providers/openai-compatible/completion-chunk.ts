/** One event of a chat-completions stream, from its `data` text to a chunk (or a thrown failure). */
import type { UpstreamChunk } from './reply-state.js';

/** An event whose data is not JSON (an HTML error page in the stream, a non-OpenAI endpoint). */
export class MalformedChunkError extends Error {
  constructor(readonly data: string) {
    super('a stream event that is not JSON');
    this.name = 'MalformedChunkError';
  }
}

/** The upstream reported an error inside the stream: `data: {"error": {...}}`. */
export class StreamErrorEvent extends Error {
  constructor(readonly error: unknown) {
    super('an error event in the stream');
    this.name = 'StreamErrorEvent';
  }
}

/** The event that ends the stream; like the openai SDK, anything starting so counts. */
export function isDoneEvent(data: string): boolean {
  return data.startsWith('[DONE]');
}

/** The chunk an event carries. Throws MalformedChunkError or StreamErrorEvent. */
export function parseChunk(data: string): UpstreamChunk | null {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new MalformedChunkError(data);
  }
  if (chunk !== null && typeof chunk === 'object' && 'error' in chunk && chunk.error) {
    throw new StreamErrorEvent(chunk.error);
  }
  return chunk as UpstreamChunk | null;
}
