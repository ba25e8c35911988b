/**
 * The generic fuzz fallback: for ANY route of the route table (so routes added later are fuzzed
 * without new code) a request with random path parameters (naughty strings, traversal, over-long),
 * random query strings (duplicated, bracketed and `__proto__` keys) and random bodies (deep nesting,
 * wrong types, huge strings within the body limit, prototype-poisoning and duplicate keys as raw text,
 * malformed JSON, binary garbage, odd content types).
 */
import fc from 'fast-check';
import * as accountSchemas from '../../src/protocol/account-requests.js';
import * as requestSchemas from '../../src/protocol/requests.js';
import { type RouteSpec, routeUrls } from '../../src/server/route-table.js';
import { type FuzzRequest, type Identity, printable } from './fuzz-request.js';
import { longString, naughtyString, percentEncode, traversalSegments } from './naughty-strings.js';

/** Real ids the generators may use so that some requests reach past "not found". */
export interface KnownIds {
  conversations: readonly string[];
  messages: readonly string[];
  users: readonly string[];
}

function schemaKeys(module: Record<string, unknown>): string[] {
  return Object.values(module).flatMap((value) =>
    typeof value === 'object' && value !== null && 'shape' in value && typeof value.shape === 'object'
      ? Object.keys(value.shape as object)
      : [],
  );
}

/** Field names the API knows: every key of every request schema (new schemas join by themselves), nested ones too. */
export const knownFields: readonly string[] = [
  ...new Set([
    ...schemaKeys(requestSchemas),
    ...schemaKeys(accountSchemas),
    ...['id', 'author', 'content', 'parts', 'content_type', 'metadata', 'kind'],
  ]),
];

const pollutionKeys = ['__proto__', 'constructor', 'prototype', '__proto__[isAdmin]', 'constructor[prototype][x]'];

/** Any JSON value of a type the field probably does not want. */
function wrongValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    naughtyString(),
    fc.constantFrom(null, true, false, 0, -1, -0, 1.5, 1e21, Number.MAX_SAFE_INTEGER, '', [], {}, ['x'], { a: 1 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

function uuidLike(ids: KnownIds): fc.Arbitrary<string> {
  const known = [...ids.conversations, ...ids.messages, ...ids.users];
  return known.length > 0 ? fc.oneof(fc.uuid(), fc.constantFrom(...known)) : fc.uuid();
}

/** A path parameter as it goes on the wire (percent-encoded, or raw when it is a traversal attempt). */
function pathParameter(ids: KnownIds): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: uuidLike(ids) },
    { weight: 3, arbitrary: naughtyString().map(percentEncode) },
    { weight: 2, arbitrary: fc.constantFrom(...traversalSegments) },
    { weight: 1, arbitrary: fc.constantFrom('../../etc/passwd', '..%2f..%2f', '%2F', '') },
    { weight: 1, arbitrary: fc.integer({ min: 150, max: 10_000 }).map((length) => 'x'.repeat(length)) },
  );
}

function fillPath(pattern: string, parameter: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const names = pattern.match(/:[A-Za-z_]+/g) ?? [];
  return fc
    .tuple(...names.map(() => parameter))
    .map((values) => values.reduce<string>((path, value, index) => path.replace(names[index] ?? '', value), pattern));
}

/** `?a=1&a=2&__proto__[x]=1…`: known, polluting and naughty keys, sometimes repeated. */
function queryString(): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...knownFields) },
    { weight: 2, arbitrary: fc.constantFrom(...pollutionKeys, 'limit[]', 'offset[0]') },
    { weight: 1, arbitrary: naughtyString().map(percentEncode) },
  );
  const value = fc.oneof(
    fc.constantFrom('0', '-1', '1e9', 'NaN', '', 'true', 'created', 'updated', '28', '1.5', '0x10', '%00'),
    naughtyString().map(percentEncode),
  );
  const pair = fc.tuple(key, value).map(([name, text]) => `${name}=${text}`);
  const pairs = fc
    .tuple(fc.array(pair, { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([list, repeat]) => `?${(repeat && list[0] ? [...list, list[0]] : list).join('&')}`);
  return fc.oneof({ weight: 9, arbitrary: pairs }, { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?&') });
}

/** An object of known field names with values of any type (wrong ones mostly). */
function wrongTypedObject(): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.constantFrom(...knownFields), wrongValue(), { maxKeys: 6 });
}

function nestedText(depth: number, closed: boolean): string {
  const open = '{"a":['.repeat(depth);
  return closed ? `${open}1${']}'.repeat(depth)}` : open;
}

/** A raw JSON body: text, because duplicate keys and odd literals cannot come from JSON.stringify. */
function rawBody(): fc.Arbitrary<{ kind: string; body: string }> {
  const named = (kind: string, arbitrary: fc.Arbitrary<string>) => arbitrary.map((body) => ({ kind, body }));
  const object = wrongTypedObject().map((value) => JSON.stringify(value));
  return fc.oneof(
    named(
      'json-value',
      fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
    ),
    named('wrong-types', object),
    named(
      'deep-nesting',
      fc.tuple(fc.integer({ min: 30, max: 3000 }), fc.boolean()).map(([depth, closed]) => nestedText(depth, closed)),
    ),
    named(
      'huge-string',
      fc
        .tuple(fc.constantFrom(...knownFields), longString(900_000))
        .map(([field, text]) => JSON.stringify({ [field]: text })),
    ),
    named(
      'prototype-poisoning',
      fc
        .tuple(
          object,
          fc.constantFrom(
            '"__proto__":{"isAdmin":true}',
            '"\\u005f_proto__":{"isAdmin":true}',
            '"constructor":{"prototype":{"isAdmin":true}}',
            '"metadata":{"__proto__":{"x":1}}',
            '"batch":[{"type":"track","properties":{"constructor":{"prototype":{"x":1}}}}]',
          ),
        )
        .map(([text, poison]) => (text === '{}' ? `{${poison}}` : `{${poison},${text.slice(1)}`)),
    ),
    named(
      'duplicate-keys',
      fc
        .tuple(object, fc.constantFrom(...knownFields), wrongValue(), wrongValue())
        .map(
          ([text, key, first, second]) =>
            `{${JSON.stringify(key)}:${JSON.stringify(first) ?? 'null'},${JSON.stringify(key)}:${JSON.stringify(second) ?? 'null'}${text === '{}' ? '' : `,${text.slice(1)}`}`,
        ),
    ),
    named(
      'malformed-json',
      fc
        .tuple(object, fc.constantFrom('truncate', 'trailing-comma', 'nan', 'bom', 'single-quotes', 'comment', 'hex'))
        .map(([text, how]) => malformed(text, how)),
    ),
  );
}

function malformed(text: string, how: string): string {
  switch (how) {
    case 'truncate':
      return text.slice(0, Math.max(1, text.length - 2));
    case 'trailing-comma':
      return `${text.slice(0, -1)},}`;
    case 'nan':
      return '{"count_tokens":NaN,"limit":Infinity}';
    case 'bom':
      return `\ufeff${text}`;
    case 'single-quotes':
      return text.replaceAll('"', "'");
    case 'comment':
      return `/* x */${text}`;
    default:
      return '{"timezone_offset_min":0x10}';
  }
}

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/JSON',
];

interface GeneratedBody {
  kind: string;
  body?: string | Uint8Array;
  contentType?: string;
}

function body(): fc.Arbitrary<GeneratedBody> {
  const json = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom(...contentTypes) },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'no-body' }) },
    {
      weight: 10,
      arbitrary: fc
        .tuple(rawBody(), json)
        .map(([raw, contentType]) => ({ kind: raw.kind, body: raw.body, contentType })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 2000 })
        .map((bytes) => ({ kind: 'binary', body: bytes, contentType: 'application/json' })),
    },
  );
}

function identity(): fc.Arbitrary<Identity> {
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant<Identity>('admin') },
    { weight: 2, arbitrary: fc.constant<Identity>('user') },
    { weight: 1, arbitrary: fc.constant<Identity>('anonymous') },
    { weight: 1, arbitrary: fc.constant<Identity>('garbage') },
  );
}

function routeRequest(route: RouteSpec, pattern: string, ids: KnownIds): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: fillPath(pattern, pathParameter(ids)),
      query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryString() }),
      body: route.method === 'GET' ? fc.constant<GeneratedBody>({ kind: 'no-body' }) : body(),
      identity: identity(),
    })
    .map(({ path, query, body: generated, identity: who }) =>
      printable({
        method: route.method,
        url: `${path}${query}`,
        identity: who,
        headers: generated.contentType ? { 'content-type': generated.contentType } : {},
        ...(generated.body !== undefined && { body: generated.body }),
        route: `${route.method} ${pattern}`,
        kind: `generic:${generated.kind}`,
      }),
    );
}

/** A request for any one of `routes` (each URL pattern equally likely), built by the generic fallback. */
export function genericRequest(routes: readonly RouteSpec[], ids: KnownIds): fc.Arbitrary<FuzzRequest> {
  const patterns = routes.flatMap((route) => routeUrls(route).map((pattern) => ({ route, pattern })));
  return fc.oneof(...patterns.map(({ route, pattern }) => routeRequest(route, pattern, ids)));
}
