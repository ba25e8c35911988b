import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../src/domain-errors.js';
import { checkJsonStructure, parseJsonBody } from '../../src/server/json-body.js';

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseJsonBody(text),
    (error: unknown) => error instanceof InvalidRequestError && pattern.test(error.message),
  );
}

test('accepts ordinary bodies, including keys that look like structure inside strings', () => {
  assert.deepEqual(parseJsonBody('{"a": "{[\\"x\\":", "b": [1, {"a": 2}]}'), { a: '{["x":', b: [1, { a: 2 }] });
  assert.deepEqual(parseJsonBody('{"a":{"a":{"a":1}}}'), { a: { a: { a: 1 } } });
});

test('rejects nesting deeper than 64 without overflowing the stack', () => {
  checkJsonStructure(`${'['.repeat(64)}${']'.repeat(64)}`);
  rejects(`${'['.repeat(65)}${']'.repeat(65)}`, /deeper than 64/);
  rejects(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, /deeper than 64/);
  rejects('['.repeat(100_000), /deeper than 64/);
});

test('rejects duplicate keys, __proto__ and constructor.prototype', () => {
  rejects('{"conversation_id":"A","conversation_id":"B"}', /twice/);
  rejects('{"a":{"x":1,"\\u0078":2}}', /twice/);
  rejects('{"__proto__":{"isAdmin":true}}', /__proto__/);
  rejects('{"metadata":{"__proto__":{}}}', /__proto__/);
  rejects('{"constructor":{"prototype":{"isAdmin":true}}}', /constructor/);
  assert.deepEqual(parseJsonBody('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
});

test('rejects malformed bodies with a message', () => {
  rejects('{"a":', /not valid JSON/);
  rejects('{"a":1,}', /not valid JSON/);
  rejects('NaN', /not valid JSON/);
  rejects('', /empty/);
  rejects('\ufeff{}', /byte order mark/);
});
