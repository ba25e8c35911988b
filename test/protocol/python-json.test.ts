import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GrowingTextJson, pythonJson } from '../../src/protocol/python-json.js';
import { sseData, sseDone, ssePing } from '../../src/protocol/sse.js';
import { isoTime } from '../../src/protocol/times.js';

test('pythonJson writes Python json.dumps separators and ASCII-only escapes', () => {
  assert.equal(pythonJson({ a: 1, b: [true, null, 'x'] }), '{"a": 1, "b": [true, null, "x"]}');
  assert.equal(pythonJson({ text: 'Olá 明 😀' }), '{"text": "Ol\\u00e1 \\u660e \\ud83d\\ude00"}');
  assert.equal(pythonJson({ text: 'line\nbreak "q" \\' }), '{"text": "line\\nbreak \\"q\\" \\\\"}');
});

test('pythonJson keeps float keys as floats', () => {
  assert.equal(
    pythonJson({ weight: 1, create_time: 1701830474, update_time: null, count: 3 }),
    '{"weight": 1.0, "create_time": 1701830474.0, "update_time": null, "count": 3}',
  );
  assert.equal(pythonJson({ weight: 0 }), '{"weight": 0.0}');
  assert.equal(pythonJson({ create_time: 1701830474.616844 }), '{"create_time": 1701830474.616844}');
});

test('pythonJson output is valid JSON that round-trips', () => {
  const value = { a: 'Z\u0000\u202e\u200d', nested: { list: [1.5, -0, 'é'] } };
  assert.deepEqual(JSON.parse(pythonJson(value)), { a: 'Z\u0000\u202e\u200d', nested: { list: [1.5, 0, 'é'] } });
  assert.match(pythonJson(value), /^[\x20-\x7e]*$/);
});

test('GrowingTextJson writes what pythonJson writes, whatever is appended', () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', '😀', '\ud83d', '\ude00', '"', '\\', '\n', '\u007f', '\u0000', 'x'.repeat(300)),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.string({ maxLength: 20 }), (deltas, title) => {
      const message = (text: string) => ({ message: { title, content: { parts: [text] }, weight: 1 }, error: null });
      const json = new GrowingTextJson(message);
      let text = '';
      assert.equal(json.append(''), pythonJson(message('')));
      for (const delta of deltas) {
        text += delta;
        assert.equal(json.append(delta), pythonJson(message(text)));
      }
    }),
    { numRuns: 300 },
  );
  assert.throws(() => new GrowingTextJson((text) => ({ a: text, b: text })), /must appear once/);
});

test('SSE frames: one data line with one space, DONE, ping', () => {
  assert.equal(sseData({ a: 1 }), 'data: {"a": 1}\n\n');
  assert.equal(sseDone, 'data: [DONE]\n\n');
  assert.equal(ssePing(new Date('2023-05-12T06:31:06.341Z')), 'event: ping\ndata: 2023-05-12 06:31:06.341000\n\n');
});

test('isoTime gives the Dec-2023 list format', () => {
  assert.equal(isoTime(1702647564.683876), '2023-12-15T13:39:24.683876+00:00');
  // Any time, in any order (the day cache): the same as formatting it with Date, microseconds and all.
  fc.assert(
    fc.property(fc.double({ min: -62_000_000_000, max: 250_000_000_000, noNaN: true }), (epochSeconds) => {
      const totalMicros = Math.round(epochSeconds * 1e6);
      const seconds = Math.floor(totalMicros / 1e6);
      const micros = String(totalMicros - seconds * 1e6).padStart(6, '0');
      const expected = `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${micros}+00:00`;
      assert.equal(isoTime(epochSeconds), expected);
    }),
    { numRuns: 2000 },
  );
  assert.equal(isoTime(1702647564), '2023-12-15T13:39:24.000000+00:00');
});
