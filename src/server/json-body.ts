/**
 * Strict JSON request bodies: one pass over the text rejects nesting deeper than the cap, duplicate
 * keys and `__proto__` keys before `JSON.parse` runs, so no depth can overflow the stack and no
 * key can pollute a prototype; `constructor.prototype` is rejected after parsing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BackgroundLane } from '../background-lane.js';
import { InvalidRequestError } from '../domain-errors.js';
import { jsonStringEnd } from '../protocol/json-text.js';

export const maxJsonDepth = 64;

interface Frame {
  kind: 'object' | 'array';
  keys: Set<string>;
  /** In an object: the next string is a key. */
  expectKey: boolean;
}

function checkKey(frame: Frame, raw: string): void {
  let key: string;
  if (!raw.includes('\\') && raw.length >= 2 && raw.endsWith('"')) {
    // Nothing escaped: the key is the text between the quotes (JSON.parse per key was a tenth of
    // a telemetry batch's CPU). A control character in it fails JSON.parse of the whole body.
    key = raw.slice(1, -1);
  } else {
    try {
      key = JSON.parse(raw) as string;
    } catch {
      return; // JSON.parse of the whole body reports the syntax error.
    }
  }
  if (key === '__proto__') throw new InvalidRequestError('Request body must not contain a "__proto__" key');
  if (frame.keys.has(key)) throw new InvalidRequestError(`Request body has the key "${key}" twice`);
  frame.keys.add(key);
}

/** Throws InvalidRequestError for too-deep nesting, duplicate keys or `__proto__` keys. */
export function checkJsonStructure(text: string, maxDepth = maxJsonDepth): void {
  const stack: Frame[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    const frame = stack.at(-1);
    if (char === '"') {
      const end = jsonStringEnd(text, index);
      if (frame?.kind === 'object' && frame.expectKey) {
        checkKey(frame, text.slice(index, end));
        frame.expectKey = false;
      }
      index = end;
      continue;
    }
    if (char === '{' || char === '[') {
      if (stack.length >= maxDepth)
        throw new InvalidRequestError(`Request body is nested deeper than ${maxDepth} levels`);
      stack.push({ kind: char === '{' ? 'object' : 'array', keys: new Set(), expectKey: char === '{' });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',' && frame?.kind === 'object') {
      frame.expectKey = true;
    }
    index += 1;
  }
}

function rejectConstructorPrototype(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) rejectConstructorPrototype(item);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === 'constructor' && typeof item === 'object' && item !== null && 'prototype' in item) {
      throw new InvalidRequestError('Request body must not contain "constructor.prototype"');
    }
    rejectConstructorPrototype(item);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a body as UTF-8, refusing invalid or overlong byte sequences instead of replacing them. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new InvalidRequestError('Request body is not valid UTF-8');
  }
}

/** Parses a request body strictly; every failure is an InvalidRequestError naming the problem. */
export function parseJsonBody(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff)
    throw new InvalidRequestError('Request body must not start with a byte order mark');
  if (text.trim() === '') throw new InvalidRequestError('Request body is empty; send a JSON object');
  checkJsonStructure(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  rejectConstructorPrototype(value);
  return value;
}

/** The text of each JSON body parsed in a body lane, for the route that measures parts of it as sent. */
const bodyTexts = new WeakMap<object, string>();

/** The JSON body of `request` as sent (decoded), if it was parsed in a body lane (telemetry). */
export function bodyTextOf(request: object): string | undefined {
  return bodyTexts.get(request);
}

/** A UTF-8 JSON body parsed strictly; with `keepText`, kept as text for `bodyTextOf`. */
function parseRequestBody(request: FastifyRequest, body: Buffer, keepText: boolean): unknown {
  const charset = /charset=([^;]+)/i
    .exec(request.headers['content-type'] ?? '')?.[1]
    ?.trim()
    .toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw Object.assign(new Error('Content-Type charset must be utf-8'), { statusCode: 415 });
  }
  const text = decodeUtf8(body);
  const value = parseJsonBody(text);
  if (keepText) bodyTexts.set(request, text);
  return value;
}

/**
 * Installs the strict JSON parser on `scope` (the app, or a route's own scope). With a `lane`, the
 * parsing waits for its turn there: a flood of big bodies (telemetry batches) does not hold up other
 * requests.
 */
export function installJsonParser(scope: FastifyInstance, lane?: BackgroundLane): void {
  scope.removeContentTypeParser(['application/json']);
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (lane) {
      lane
        .run(() => parseRequestBody(request, body as Buffer, true))
        .then(
          (value) => done(null, value),
          (error: Error) => done(error),
        );
      return;
    }
    try {
      done(null, parseRequestBody(request, body as Buffer, false));
    } catch (error) {
      done(error as Error);
    }
  });
}
