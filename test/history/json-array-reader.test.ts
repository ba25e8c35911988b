/** The streaming JSON array reader: elements found across any chunk boundary, broken files named. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ArrayElement, JsonArrayError, readJsonArray } from '../../src/conversation/history/json-array-reader.js';

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function elements(text: string, size = 7, options = {}): Promise<ArrayElement[]> {
  const found: ArrayElement[] = [];
  for await (const element of readJsonArray(chunked(text, size), options)) found.push(element);
  return found;
}

const tricky = [
  { a: 'brackets ] } [ { inside', b: ['"quoted"', '\\', '\\"'] },
  'a string ] , [',
  12.5e3,
  true,
  null,
  [],
  {},
  { unicode: '日本語 😀 \u2028 </script>', nested: [[[{ deep: [1, 2, 3] }]]] },
];

test('every element comes back whole, whatever the chunk size (multi-byte characters split too)', async () => {
  const text = ` \n[ ${tricky.map((item) => JSON.stringify(item)).join(' ,\n ')} ]\n`;
  for (const size of [1, 2, 3, 5, 64, 100_000]) {
    const found = await elements(text, size);
    assert.deepEqual(
      found.map((element) => ('text' in element ? JSON.parse(element.text) : element)),
      tricky,
      `chunk size ${size}`,
    );
    assert.deepEqual(
      found.map((element) => element.index),
      tricky.map((_, index) => index),
    );
  }
});

test('any JSON array round-trips through the reader (property)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.jsonValue()), fc.integer({ min: 1, max: 40 }), async (values, size) => {
      const text = JSON.stringify(values, null, values.length % 2 === 0 ? 1 : undefined);
      const found = await elements(text, size);
      assert.deepEqual(
        found.map((element) => ('text' in element ? JSON.parse(element.text) : element)),
        JSON.parse(text),
      );
    }),
    { numRuns: 200 },
  );
});

test('an empty array has no elements; a BOM is allowed', async () => {
  assert.deepEqual(await elements('[]'), []);
  assert.deepEqual(await elements('\ufeff[ ]'), []);
});

test('too large or too deep elements are reported and skipped; the next ones still come', async () => {
  const big = JSON.stringify({ text: 'x'.repeat(500) });
  const deep = `${'['.repeat(20)}${']'.repeat(20)}`;
  const found = await elements(`[${big},${deep},{"ok":1}]`, 13, { maxElementChars: 100, maxDepth: 10 });
  assert.deepEqual(found, [
    { index: 0, error: 'larger than 100 characters' },
    { index: 1, error: 'nested deeper than 10 levels' },
    { index: 2, text: '{"ok":1}' },
  ]);
});

test('a broken array throws JsonArrayError naming the element', async () => {
  const cases: [string, RegExp, number][] = [
    ['{"not": "an array"}', /not a JSON array/, 0],
    ['', /empty file/, 0],
    ['[{"a":1},{"b":2}', /ends inside the array/, 2],
    ['[{"a":1},{"b":', /ends inside the array/, 1],
    ['[{"a":1} {"b":2}]', /expected "," or "]"/, 1],
    ['[{"a":1},,{"b":2}]', /a value is missing/, 1],
    ['[1] x', /after the array's end/, 1],
  ];
  for (const [text, message, index] of cases) {
    await assert.rejects(elements(text), (error: unknown) => {
      assert.ok(error instanceof JsonArrayError, text);
      assert.match(error.message, message, text);
      assert.equal(error.index, index, text);
      return true;
    });
  }
});
