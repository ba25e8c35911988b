/**
 * Reads a top-level JSON array one element at a time from a byte stream, so a file of any size is
 * never held whole: a small scanner follows strings, escapes and nesting to find where each element
 * ends and hands over that element's text (which the caller gives to `JSON.parse`). Only the current
 * element is in memory; one larger than `maxElementChars` or nested deeper than `maxDepth` is reported
 * as an error and skipped, and the scan goes on with the next one.
 */

/** One element of the array: its JSON text, or why it was skipped. */
export type ArrayElement = { index: number; text: string } | { index: number; error: string };

/** The file is not a JSON array, or breaks off: elements after this point cannot be found. */
export class JsonArrayError extends Error {
  override name = 'JsonArrayError';
  constructor(
    message: string,
    /** The element being read when it happened (0-based); the count read so far when between elements. */
    readonly index: number,
  ) {
    super(message);
  }
}

export interface JsonArrayOptions {
  /** Longest element kept, in UTF-16 units (default 256 Mi). */
  maxElementChars?: number;
  /** Deepest nesting inside an element (default 128). */
  maxDepth?: number;
  /** Called with the number of bytes consumed so far, once per chunk. */
  onBytes?: (bytes: number) => void;
}

enum State {
  BeforeArray,
  ElementOrEnd,
  Element,
  InElement,
  AfterElement,
  Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const BOM = 0xfeff;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function describe(code: number): string {
  return JSON.stringify(String.fromCharCode(code));
}

/** The elements of the JSON array in `chunks`, in order. Throws `JsonArrayError` for a broken array. */
export async function* readJsonArray(
  chunks: AsyncIterable<Uint8Array | string>,
  options: JsonArrayOptions = {},
): AsyncGenerator<ArrayElement> {
  const maxChars = options.maxElementChars ?? 256 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 128;
  const decoder = new TextDecoder('utf-8');
  let state = State.BeforeArray as State;
  let index = 0;
  let bytes = 0;
  // The element being read.
  let pieces: string[] = [];
  let length = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;
  let tooLong = false;
  let tooDeep = false;

  const startElement = () => {
    pieces = [];
    length = 0;
    depth = 0;
    inString = false;
    escaped = false;
    scalar = false;
    tooLong = false;
    tooDeep = false;
  };

  const finish = (chunk: string, start: number, end: number): ArrayElement => {
    const at = index++;
    if (tooDeep) return { index: at, error: `nested deeper than ${maxDepth} levels` };
    if (tooLong || length + (end - start) > maxChars) {
      return { index: at, error: `larger than ${maxChars} characters` };
    }
    const text = pieces.length === 0 ? chunk.slice(start, end) : pieces.join('') + chunk.slice(start, end);
    pieces = [];
    return { index: at, text };
  };

  const scan = function* (chunk: string): Generator<ArrayElement> {
    let i = 0;
    let start = 0;
    const n = chunk.length;
    while (i < n) {
      const code = chunk.charCodeAt(i);
      switch (state) {
        case State.BeforeArray:
          if (isSpace(code) || code === BOM) break;
          if (code !== OPEN_BRACKET) throw new JsonArrayError(`not a JSON array (starts with ${describe(code)})`, 0);
          state = State.ElementOrEnd;
          break;
        case State.ElementOrEnd:
        case State.Element:
          if (isSpace(code)) break;
          if (code === CLOSE_BRACKET && state === State.ElementOrEnd) {
            state = State.Done;
            break;
          }
          if (code === CLOSE_BRACKET || code === COMMA) {
            throw new JsonArrayError(`a value is missing before ${describe(code)}`, index);
          }
          startElement();
          start = i;
          state = State.InElement;
          if (code === OPEN_BRACE || code === OPEN_BRACKET) depth = 1;
          else if (code === QUOTE) inString = true;
          else scalar = true;
          break;
        case State.InElement:
          if (inString) {
            // Fast path: jump to the next quote or backslash.
            if (escaped) {
              escaped = false;
              break;
            }
            if (code === BACKSLASH) {
              escaped = true;
              break;
            }
            if (code === QUOTE) {
              inString = false;
              if (depth === 0 && !scalar) {
                state = State.AfterElement;
                yield finish(chunk, start, i + 1);
              }
              break;
            }
            const nextQuote = chunk.indexOf('"', i + 1);
            const nextSlash = chunk.indexOf('\\', i + 1);
            let next = nextQuote === -1 ? n : nextQuote;
            if (nextSlash !== -1 && nextSlash < next) next = nextSlash;
            i = next;
            continue;
          }
          if (scalar) {
            if (isSpace(code) || code === COMMA || code === CLOSE_BRACKET) {
              state = State.AfterElement;
              yield finish(chunk, start, i);
              continue; // look at this character again as what follows the element
            }
            break;
          }
          if (code === QUOTE) inString = true;
          else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
            depth++;
            if (depth > maxDepth) tooDeep = true;
          } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
            depth--;
            if (depth === 0) {
              state = State.AfterElement;
              yield finish(chunk, start, i + 1);
            }
          }
          break;
        case State.AfterElement:
          if (isSpace(code)) break;
          if (code === COMMA) state = State.Element;
          else if (code === CLOSE_BRACKET) state = State.Done;
          else throw new JsonArrayError(`expected "," or "]" after an element, found ${describe(code)}`, index);
          break;
        case State.Done:
          if (!isSpace(code)) throw new JsonArrayError(`unexpected ${describe(code)} after the array's end`, index);
          break;
      }
      i++;
    }
    if (state === State.InElement) {
      const rest = n - start;
      if (!tooLong && length + rest > maxChars) {
        tooLong = true;
        pieces = [];
      }
      if (!tooLong && rest > 0) pieces.push(chunk.slice(start));
      length += rest;
    }
  };

  for await (const chunk of chunks) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      bytes += Buffer.byteLength(chunk);
    } else {
      text = decoder.decode(chunk, { stream: true });
      bytes += chunk.byteLength;
    }
    yield* scan(text);
    options.onBytes?.(bytes);
  }
  const tail = decoder.decode();
  if (tail) yield* scan(tail);
  if (state === State.InElement && scalar && !inString) {
    state = State.AfterElement;
    yield finish('', 0, 0);
  }
  if (state === State.BeforeArray) throw new JsonArrayError('empty file: not a JSON array', 0);
  if (state !== State.Done) throw new JsonArrayError('the file ends inside the array (cut short?)', index);
}
