/**
 * Delta events of the conversation stream, a backchat extension a client asks for with
 * `X-Backchat-Deltas: 1` (docs/api.md, "Delta events"; docs/decisions/2026-12-03-stream-deltas.md).
 *
 * ChatGPT's stream repeats the whole answer so far in every event: a 2,000-token answer is ~10 MB on
 * the wire, growing with the square of its length. With deltas, an event whose payload is the
 * previous event's payload with one piece of text inserted (an answer growing: its text gains a few
 * characters, everything around it unchanged) is sent as that insertion only:
 *
 *     event: delta
 *     data: {"at":1234,"text":" more words"}
 *
 * `at` counts UTF-16 code units of the previous payload (its JSON text is ASCII: one byte each). The
 * client splices `text` in at `at` and has the payload exactly as it would have been sent whole. Any
 * other event is sent whole, as before; the first event of a stream is always whole, so a stream picked
 * up again after an id (`Last-Event-ID`) starts from a whole payload.
 */

/** The request header that asks for delta events. */
export const deltasHeader = 'x-backchat-deltas';

/** The event name of a delta (a whole payload has none, as in ChatGPT's stream). */
export const deltaEventName = 'delta';

/** `next` as `previous` with `text` inserted at `at`. */
export interface TextInsertion {
  at: number;
  text: string;
}

/**
 * The insertion that turns `previous` into `next`, or undefined when `next` is not `previous` with one
 * piece of text inserted. Found from the longest common suffix (a binary search: each probe is one
 * memory comparison), then checked against the prefix before it — O(length) per event, no allocation
 * beyond the inserted text.
 */
export function textInsertion(previous: string, next: string): TextInsertion | undefined {
  const grown = next.length - previous.length;
  if (grown <= 0) return undefined;
  // The longest suffix of `previous` that `next` ends with (a shorter one always matches too).
  let low = 0;
  let high = previous.length;
  while (low < high) {
    const length = (low + high + 1) >> 1;
    if (next.endsWith(previous.slice(previous.length - length))) low = length;
    else high = length - 1;
  }
  // If any insertion gives `next`, the one at the start of that suffix does.
  const at = previous.length - low;
  if (!next.startsWith(previous.slice(0, at))) return undefined;
  return { at, text: next.slice(at, at + grown) };
}

/** `previous` with `insertion` applied; undefined when it does not fit `previous`. */
export function applyInsertion(previous: string, insertion: unknown): string | undefined {
  if (typeof insertion !== 'object' || insertion === null) return undefined;
  const { at, text } = insertion as Partial<TextInsertion>;
  if (typeof text !== 'string' || !Number.isSafeInteger(at) || at === undefined) return undefined;
  if (at < 0 || at > previous.length) return undefined;
  return previous.slice(0, at) + text + previous.slice(at);
}

/** A delta event, with an `id:` line when `id` is given (resumable streams). */
export function sseDelta(insertion: TextInsertion, id?: number): string {
  const data = JSON.stringify({ at: insertion.at, text: insertion.text });
  return id === undefined
    ? `event: ${deltaEventName}\ndata: ${data}\n\n`
    : `event: ${deltaEventName}\nid: ${id}\ndata: ${data}\n\n`;
}
