/**
 * "Valid body, one place broken": picks one place of a valid JSON body (uniformly among all of its
 * places, the root included) and replaces it with a wrong value, removes it, or puts a polluting key
 * next to it — so that the validators deep inside a body are reached, not just the first type check.
 */
import fc from 'fast-check';
import { type FuzzRequest, type Identity, printable } from './fuzz-request.js';
import { longString, naughtyString } from './naughty-strings.js';

type Json = unknown;
type PathStep = string | number;

/** One way to break a valid body at one place. */
type Mutation =
  | { kind: 'none' }
  | { kind: 'replace'; value: Json }
  | { kind: 'delete' }
  | { kind: 'pollute'; key: '__proto__' | 'constructor' };

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every place in `value` (the root first), depth first. */
function pathsOf(value: Json, prefix: PathStep[] = []): PathStep[][] {
  const children: Array<[PathStep, Json]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : isRecord(value)
      ? Object.entries(value)
      : [];
  return [prefix, ...children.flatMap(([step, child]) => pathsOf(child, [...prefix, step]))];
}

function withPollution(value: Json, key: '__proto__' | 'constructor'): Json {
  if (!isRecord(value)) return value;
  const copy = { ...value };
  const poison = key === '__proto__' ? { isAdmin: true } : { prototype: { isAdmin: true } };
  // defineProperty: an own "__proto__" key that JSON.stringify writes out, not a prototype change.
  Object.defineProperty(copy, key, { value: poison, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** A copy of `value` with `mutation` applied at `path` (undefined = the whole body removed). */
function mutate(value: Json, path: PathStep[], mutation: Mutation): Json {
  const [step, ...rest] = path;
  if (step === undefined) {
    if (mutation.kind === 'replace') return mutation.value;
    if (mutation.kind === 'delete') return undefined;
    if (mutation.kind === 'pollute') return withPollution(value, mutation.key);
    return value;
  }
  if (Array.isArray(value) && typeof step === 'number') {
    const copy = [...value];
    if (rest.length === 0 && mutation.kind === 'delete') copy.splice(step, 1);
    else copy[step] = mutate(copy[step], rest, mutation);
    return copy;
  }
  if (isRecord(value) && typeof step === 'string') {
    const copy = { ...value };
    if (rest.length === 0 && mutation.kind === 'delete') delete copy[step];
    else copy[step] = mutate(copy[step], rest, mutation);
    return copy;
  }
  return value;
}

function wrongValue(): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 3, arbitrary: naughtyString() },
    {
      weight: 3,
      arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e21, 2 ** 53 + 2, '', [], {}, [1, 2], ['x'], {
        a: 1,
      }),
    },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: longString(100_000) },
  );
}

function mutation(): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
    { weight: 6, arbitrary: wrongValue().map((value): Mutation => ({ kind: 'replace', value })) },
    { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'delete' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor').map((key): Mutation => ({ kind: 'pollute', key })),
    },
  );
}

/** The valid body with one place broken; the place is chosen uniformly among all of the body's places. */
export function broken(valid: fc.Arbitrary<Json>): fc.Arbitrary<{ body: Json; broken: string }> {
  return fc.tuple(valid, fc.nat(), mutation()).map(([body, pick, change]) => {
    const paths = pathsOf(body);
    const path = paths[pick % paths.length] ?? [];
    const where = path.length > 0 ? path.join('.') : '(body)';
    return { body: mutate(body, path, change), broken: change.kind === 'none' ? 'nothing' : `${change.kind} ${where}` };
  });
}

export const prefix = fc.constantFrom('/backend-api', '/api');
export const text = fc.oneof(fc.lorem({ maxCount: 8 }), naughtyString());

/** A route and a valid body for it; `targetRequest` breaks one place of the body. */
export interface Target {
  name: string;
  method: string;
  path: fc.Arbitrary<string>;
  body: fc.Arbitrary<Json>;
  identity: Identity;
}

export function targetRequest(target: Target): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(target.path, broken(target.body)).map(([path, { body, broken: what }]) =>
    printable({
      method: target.method,
      url: path,
      identity: target.identity,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      route: `${target.method} ${path.replace(/[0-9a-f-]{36}|user-[\w-]+/g, ':id')}`,
      kind: `schema:${target.name} (${what})`,
    }),
  );
}
