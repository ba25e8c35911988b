/**
 * Server-sent events, bytes in, each event's `data` out — the part of the WHATWG event-stream format an
 * OpenAI-compatible chat-completions stream uses (docs/decisions/2026-12-02-plain-upstream-client.md).
 *
 * - bytes → text with a streaming UTF-8 decoder, so a character split between two TCP chunks stays whole;
 *   a leading byte-order mark is dropped;
 * - text → lines across chunk boundaries; a line ends at `\n`, `\r\n` or a lone `\r` (also when the
 *   `\r` ends one chunk and the `\n` starts the next);
 * - `data:` fields (one optional space after the colon) are joined with `\n`; `:` comments and the other
 *   fields (`event`, `id`, `retry`, unknown ones) are ignored;
 * - an event is dispatched at a blank line when it had at least one `data` field;
 * - at the end of the body an event without its blank line is discarded, as the spec says and as the
 *   openai SDK did.
 */
import { StringDecoder } from 'node:string_decoder';

const lineFeed = 10;
const byteOrderMark = '\uFEFF';

/** Incremental event-stream parser: `push` bytes, get the `data` of every event they complete. */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  /** The start of a line whose end has not arrived yet. */
  private partial = '';
  /** The previous chunk ended in `\r`: a `\n` at the start of the next one belongs to that line end. */
  private afterCarriageReturn = false;
  private started = false;
  /** The current event's data so far; undefined until its first `data` field. */
  private data: string | undefined;

  /** The data of each event completed by `bytes`, in order (usually zero or one). */
  push(bytes: Buffer | string): string[] {
    let text = typeof bytes === 'string' ? bytes : this.decoder.write(bytes);
    if (!this.started && text !== '') {
      this.started = true;
      if (text.startsWith(byteOrderMark)) text = text.slice(1);
    }
    return this.lines(text);
  }

  /**
   * The body is over. An event needs its blank line to be dispatched, so whatever is pending (a last
   * line without its line end, an event without its blank line) is discarded.
   */
  end(): void {
    this.decoder.end();
    this.partial = '';
    this.data = undefined;
  }

  /** Splits `chunk` (continuing `partial`) into lines and feeds each to `line`. */
  private lines(chunk: string): string[] {
    const events: string[] = [];
    let text = this.partial === '' ? chunk : this.partial + chunk;
    this.partial = '';
    if (this.afterCarriageReturn) {
      this.afterCarriageReturn = false;
      if (text.charCodeAt(0) === lineFeed) text = text.slice(1);
    }
    let start = 0;
    let lf = text.indexOf('\n');
    // Most upstreams never send `\r`: then lines end only at `\n` and the scan for `\r` is skipped.
    let cr = text.indexOf('\r');
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        if (next === text.length) this.afterCarriageReturn = true;
        else if (text.charCodeAt(next) === lineFeed) next++;
      }
      this.line(text.slice(start, end), events);
      start = next;
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    }
    if (start < text.length) this.partial = start === 0 ? text : text.slice(start);
    return events;
  }

  /** One line of the stream: a field, a comment, or the blank line that dispatches the event. */
  private line(line: string, events: string[]): void {
    if (line === '') {
      if (this.data !== undefined) events.push(this.data);
      this.data = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return; // a comment (`: keep-alive`)
    const isData = colon === -1 ? line === 'data' : colon === 4 && line.startsWith('data');
    if (!isData) return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    this.data = this.data === undefined ? value : `${this.data}\n${value}`;
  }
}
