/**
 * Validation of Segment analytics batches (docs/api.md, "Telemetry"), written by hand: it runs on
 * every event of a flood, where a schema library's per-field machinery was a large part of the CPU.
 * It rejects exactly what the former zod schemas rejected, with the same messages (`batch.3.type:
 * Invalid option: …`): the first problem found, fields checked in the order below.
 */
import { InvalidRequestError } from '../domain-errors.js';
import { jsonStringEnd } from '../protocol/json-text.js';

/** Segment's HTTP API limits: 32 KB per event, 500 KB per batch (the route enforces the batch size). */
export const maxEventBytes = 32 * 1024;
export const maxBatchBytes = 500 * 1024;
export const maxBatchEvents = 2500;

const eventTypes = ['track', 'page', 'identify', 'screen', 'group', 'alias'];
const eventTypeMessage = `Invalid option: expected one of ${eventTypes.map((type) => `"${type}"`).join('|')}`;

/** U+0000 or an unpaired surrogate: text PostgreSQL cannot store (as `storableText` in requests.ts). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing NUL is the point
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A validated event, as the client sent it (unknown fields ignored). */
export interface AnalyticsEventBody {
  type: string;
  event: string | null;
  userId: string | number | null;
  anonymousId: string | number | null;
  messageId: string | null;
  timestamp: string | null;
  properties: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
}

/** What a JSON value is, in the words of the messages (`received array`). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problem with an optional, nullable text field, or undefined when it is fine. */
function textProblem(value: unknown, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return `Invalid input: expected string, received ${kindOf(value)}`;
  if (value.length > max) return `Too big: expected string to have <=${max} characters`;
  if (unstorable.test(value)) return 'must not contain NUL characters or unpaired surrogates';
  return undefined;
}

/** A user or anonymous id: text or a finite number. */
function idProblem(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'Invalid input';
  if (value !== undefined && value !== null && typeof value !== 'string') return 'Invalid input';
  return textProblem(value, 500);
}

function recordProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || isRecord(value)) return undefined;
  return `Invalid input: expected record, received ${kindOf(value)}`;
}

/** The first problem of an event as `field: message`, or undefined when it is valid. */
function eventProblem(event: Record<string, unknown>): string | undefined {
  if (!eventTypes.includes(event.type as string)) return `type: ${eventTypeMessage}`;
  const checks: Array<[string, string | undefined]> = [
    ['event', textProblem(event.event, 500)],
    ['userId', idProblem(event.userId)],
    ['anonymousId', idProblem(event.anonymousId)],
    ['messageId', textProblem(event.messageId, 500)],
    ['timestamp', textProblem(event.timestamp, 100)],
    ['properties', recordProblem(event.properties)],
    ['traits', recordProblem(event.traits)],
    ['context', recordProblem(event.context)],
  ];
  const failed = checks.find(([, problem]) => problem !== undefined);
  return failed && `${failed[0]}: ${failed[1]}`;
}

function checkBatchShape(body: unknown): unknown[] {
  if (!isRecord(body)) throw new InvalidRequestError(`Invalid input: expected object, received ${kindOf(body)}`);
  const { batch, sentAt } = body;
  if (!Array.isArray(batch)) {
    throw new InvalidRequestError(`batch: Invalid input: expected array, received ${kindOf(batch)}`);
  }
  if (batch.length > maxBatchEvents)
    throw new InvalidRequestError(`batch: a batch holds at most ${maxBatchEvents} events`);
  if (sentAt !== undefined && sentAt !== null) {
    if (typeof sentAt !== 'string') {
      throw new InvalidRequestError(`sentAt: Invalid input: expected string, received ${kindOf(sentAt)}`);
    }
    if (sentAt.length > 100) throw new InvalidRequestError('sentAt: Too big: expected string to have <=100 characters');
  }
  return batch;
}

/**
 * The batch's events, or an InvalidRequestError naming the first bad one (`batch.<index>…`): one bad
 * event rejects the whole batch. `oversized(index)` says whether event `index` is over 32 KB as sent.
 */
export function validateBatch(body: unknown, oversized: (index: number) => boolean): AnalyticsEventBody[] {
  const batch = checkBatchShape(body);
  for (let index = 0; index < batch.length; index++) {
    if (oversized(index)) {
      throw new InvalidRequestError(`batch.${index}: an event must be at most 32 KB`);
    }
    const event = batch[index];
    if (!isRecord(event)) {
      throw new InvalidRequestError(`batch.${index}.Invalid input: expected object, received ${kindOf(event)}`);
    }
    const problem = eventProblem(event);
    if (problem) throw new InvalidRequestError(`batch.${index}.${problem}`);
  }
  return batch as AnalyticsEventBody[];
}

// ---------------------------------------------------------------------------------------------------
// Event sizes from the request's text: re-serialising every event only to measure it cost as much
// as storing it.

const quote = 0x22;
const comma = 0x2c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

function isWhitespace(char: number): boolean {
  return char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09;
}

/**
 * The [start, end) character ranges of the elements of the top-level `batch` array in a JSON text
 * that parsed (well-formed, no duplicate keys: the app's JSON parser refuses those), or undefined
 * when the text has no such array.
 */
export function batchElementRanges(text: string): Array<[number, number]> | undefined {
  const ranges: Array<[number, number]> = [];
  let depth = 0;
  let expectKey = false;
  let key = '';
  let inBatch = false;
  let start = -1;
  let end = -1;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (isWhitespace(char)) continue;
    if (char === quote) {
      const after = jsonStringEnd(text, index);
      if (depth === 1 && expectKey) {
        key = JSON.parse(text.slice(index, after)) as string;
        expectKey = false;
      } else if (inBatch && depth === 2 && start < 0) start = index;
      end = after;
      index = after - 1;
      continue;
    }
    if (inBatch && depth === 2) {
      if (char === comma || char === closeBracket) {
        if (start >= 0) ranges.push([start, end]);
        start = -1;
        if (char === closeBracket) return ranges;
        continue;
      }
      if (start < 0) start = index;
    }
    if (char === openBrace || char === openBracket) {
      depth += 1;
      if (depth === 1) expectKey = char === openBrace;
      if (depth === 2 && char === openBracket && key === 'batch' && !expectKey) inBatch = true;
    } else if (char === closeBrace || char === closeBracket) {
      depth -= 1;
    } else if (char === comma && depth === 1) {
      expectKey = true;
      key = '';
    }
    end = index + 1;
  }
  return undefined;
}

/**
 * Whether event `index` is over 32 KB as sent, from the body's text: a body that fits in 32 KB holds
 * no such event; otherwise each event's range of the text is measured. Without the text (a direct
 * call) each event is measured re-serialised.
 */
export function oversizedEvents(body: unknown, text: string | undefined): (index: number) => boolean {
  // A UTF-16 code unit is at most 3 bytes of UTF-8.
  if (text !== undefined && text.length * 3 <= maxEventBytes) return () => false;
  const batch = isRecord(body) && Array.isArray(body.batch) ? body.batch : [];
  const ranges = text === undefined ? undefined : batchElementRanges(text);
  if (text !== undefined && ranges?.length === batch.length) {
    return (index) => {
      const [start, end] = ranges[index] as [number, number];
      return (end - start) * 3 > maxEventBytes && Buffer.byteLength(text.slice(start, end)) > maxEventBytes;
    };
  }
  return (index) => Buffer.byteLength(JSON.stringify(batch[index]) ?? '') > maxEventBytes;
}
