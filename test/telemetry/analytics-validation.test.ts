/**
 * Batch validation by hand (src/telemetry/analytics-validation.ts): what it refuses and the exact
 * message of each refusal — the messages the zod schemas it replaced gave — and event sizes measured
 * from the body's text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../src/domain-errors.js';
import {
  batchElementRanges,
  maxEventBytes,
  oversizedEvents,
  validateBatch,
} from '../../src/telemetry/analytics-validation.js';

const never = () => false;

function refusal(body: unknown): string {
  try {
    validateBatch(body, never);
  } catch (error) {
    assert.ok(error instanceof InvalidRequestError);
    return error.message;
  }
  return 'accepted';
}

const typeMessage = 'Invalid option: expected one of "track"|"page"|"identify"|"screen"|"group"|"alias"';

test('batch shape: the messages name the field', () => {
  assert.equal(refusal(null), 'Invalid input: expected object, received null');
  assert.equal(refusal([]), 'Invalid input: expected object, received array');
  assert.equal(refusal('x'), 'Invalid input: expected object, received string');
  assert.equal(refusal({}), 'batch: Invalid input: expected array, received undefined');
  assert.equal(refusal({ batch: {} }), 'batch: Invalid input: expected array, received object');
  assert.equal(refusal({ batch: Array(2501).fill({ type: 'track' }) }), 'batch: a batch holds at most 2500 events');
  assert.equal(refusal({ batch: [], sentAt: 1 }), 'sentAt: Invalid input: expected string, received number');
  assert.equal(
    refusal({ batch: [], sentAt: 'x'.repeat(101) }),
    'sentAt: Too big: expected string to have <=100 characters',
  );
  assert.equal(refusal({ batch: [], sentAt: null, extra: 1 }), 'accepted');
  assert.equal(refusal({ batch: Array(2500).fill({ type: 'page' }) }), 'accepted');
});

test('events: the first bad one is named by index and field, in field order', () => {
  const one = (event: unknown) => refusal({ batch: [{ type: 'track' }, event] });
  const cases: Array<[unknown, string]> = [
    [null, 'batch.1.Invalid input: expected object, received null'],
    [[], 'batch.1.Invalid input: expected object, received array'],
    [7, 'batch.1.Invalid input: expected object, received number'],
    [{}, `batch.1.type: ${typeMessage}`],
    [{ type: 'x' }, `batch.1.type: ${typeMessage}`],
    [{ type: 1 }, `batch.1.type: ${typeMessage}`],
    [{ type: 'track', event: 1 }, 'batch.1.event: Invalid input: expected string, received number'],
    [{ type: 'track', event: 'x'.repeat(501) }, 'batch.1.event: Too big: expected string to have <=500 characters'],
    [
      { type: 'track', event: `${'x'.repeat(501)}\u0000` },
      'batch.1.event: Too big: expected string to have <=500 characters',
    ],
    [{ type: 'track', event: 'a\u0000' }, 'batch.1.event: must not contain NUL characters or unpaired surrogates'],
    [{ type: 'track', event: '\ud800' }, 'batch.1.event: must not contain NUL characters or unpaired surrogates'],
    [{ type: 'track', userId: true }, 'batch.1.userId: Invalid input'],
    [{ type: 'track', anonymousId: {} }, 'batch.1.anonymousId: Invalid input'],
    [{ type: 'track', userId: 'x'.repeat(501) }, 'batch.1.userId: Too big: expected string to have <=500 characters'],
    [{ type: 'track', userId: 'a\u0000' }, 'batch.1.userId: must not contain NUL characters or unpaired surrogates'],
    [{ type: 'track', messageId: 5 }, 'batch.1.messageId: Invalid input: expected string, received number'],
    [
      { type: 'track', timestamp: 'x'.repeat(101) },
      'batch.1.timestamp: Too big: expected string to have <=100 characters',
    ],
    [{ type: 'track', properties: [] }, 'batch.1.properties: Invalid input: expected record, received array'],
    [{ type: 'track', properties: 'x' }, 'batch.1.properties: Invalid input: expected record, received string'],
    [{ type: 'track', traits: 1 }, 'batch.1.traits: Invalid input: expected record, received number'],
    [{ type: 'track', context: [1] }, 'batch.1.context: Invalid input: expected record, received array'],
    [{ type: 'track', event: 1, messageId: 2 }, 'batch.1.event: Invalid input: expected string, received number'],
  ];
  for (const [event, message] of cases) assert.equal(one(event), message, JSON.stringify(event));
});

test('events: what is accepted (nulls, numeric ids, unknown fields, every type)', () => {
  const accepted = [
    { type: 'track', event: null, userId: null, anonymousId: null, properties: null, traits: null, context: null },
    { type: 'identify', userId: 1.5, anonymousId: 0, traits: { plan: 'pro' } },
    { type: 'page', properties: {}, context: { page: { path: '/' } }, unknown: [1, 2] },
    { type: 'screen' },
    { type: 'group' },
    { type: 'alias', event: 'x'.repeat(500), timestamp: 't'.repeat(100) },
  ];
  assert.deepEqual(validateBatch({ batch: accepted }, never), accepted);
});

test('an oversized event rejects the batch, named by index, before its fields are looked at', () => {
  assert.throws(() => validateBatch({ batch: [{ type: 'track' }, { type: 'nonsense' }] }, (index) => index === 1), {
    message: 'batch.1: an event must be at most 32 KB',
  });
});

test('element ranges of the batch array, whatever the spacing and nesting', () => {
  const text =
    ' { "sentAt" : "[,]" , "ba\\u0074ch" : [ {"a":[1,{"b":"}],"}]} ,\n"x\\"y" , 12 , [ ] ,null] , "z": [3] } ';
  const ranges = batchElementRanges(text) ?? [];
  assert.deepEqual(
    ranges.map(([start, end]) => text.slice(start, end)),
    ['{"a":[1,{"b":"}],"}]}', '"x\\"y"', '12', '[ ]', 'null'],
  );
  assert.deepEqual(batchElementRanges('{"batch":[]}'), []);
  assert.equal(batchElementRanges('{"other":[1]}'), undefined);
  assert.equal(batchElementRanges('{"a":{"batch":[1]}}'), undefined);
});

test('event sizes: as sent, in UTF-8 bytes; without the text, re-serialised', () => {
  const big = (chars: number, char = 'x') => ({ type: 'track', properties: { p: char.repeat(chars) } });
  // The spacing adds a few dozen bytes: 10,900 three-byte characters stay under 32 KB, 10,915 do not.
  const body = { batch: [big(10), big(10_900, '€'), big(10_915, '€'), big(maxEventBytes)] };
  const text = JSON.stringify(body, null, 1);
  assert.deepEqual([0, 1, 2, 3].map(oversizedEvents(body, text)), [false, false, true, true]);
  assert.deepEqual([0, 1, 2, 3].map(oversizedEvents(body, undefined)), [false, false, true, true]);
  const small = { batch: [big(10)] };
  assert.equal(oversizedEvents(small, JSON.stringify(small))(0), false);
});
