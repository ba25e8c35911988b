/**
 * Delta events (src/protocol/stream-deltas.ts): an event that is the previous one with text inserted
 * is found as that insertion, and splicing it back gives the event exactly — for any texts, any place,
 * any unicode; anything else is sent whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pythonJson } from '../../src/protocol/python-json.js';
import { applyInsertion, sseDelta, textInsertion } from '../../src/protocol/stream-deltas.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });

test('an insertion anywhere is found, and applying it gives the next text exactly', () => {
  fc.assert(
    fc.property(text, text, fc.nat(), (previous, inserted, pick) => {
      const at = pick % (previous.length + 1);
      const next = previous.slice(0, at) + inserted + previous.slice(at);
      const found = textInsertion(previous, next);
      if (inserted === '') {
        assert.equal(found, undefined);
        return;
      }
      assert.ok(found, 'an insertion is found');
      assert.equal(found.text.length, inserted.length);
      assert.equal(applyInsertion(previous, found), next);
    }),
    { numRuns: 2000 },
  );
});

test('a text that is not the previous one with an insertion is sent whole', () => {
  fc.assert(
    fc.property(text, text, (previous, next) => {
      const found = textInsertion(previous, next);
      if (found) assert.equal(applyInsertion(previous, found), next);
    }),
    { numRuns: 2000 },
  );
  assert.equal(textInsertion('abc', 'abc'), undefined);
  assert.equal(textInsertion('abcd', 'abc'), undefined);
  assert.equal(textInsertion('abc', 'xbcd'), undefined);
  assert.equal(textInsertion('in_progress text', 'finished text!'), undefined);
});

test('an answer growing: the delta is the appended text, sent as one ASCII line', () => {
  const event = (parts: string) =>
    pythonJson({ message: { content: { parts: [parts] }, status: 'in_progress' }, error: null });
  const previous = event('Héllo “wor');
  const next = event('Héllo “world” 😀\n');
  const found = textInsertion(previous, next);
  assert.ok(found);
  assert.equal(applyInsertion(previous, found), next);
  assert.equal(found.text, 'ld\\u201d \\ud83d\\ude00\\n');
  const frame = sseDelta(found, 7);
  assert.equal(frame, `event: delta\nid: 7\ndata: {"at":${found.at},"text":"ld\\\\u201d \\\\ud83d\\\\ude00\\\\n"}\n\n`);
  assert.match(frame, /^[\x20-\x7e\n]*$/);
  assert.equal(sseDelta(found), frame.replace('id: 7\n', ''));
});

test('a delta that does not fit the previous text is refused', () => {
  assert.equal(applyInsertion('abc', { at: 4, text: 'x' }), undefined);
  assert.equal(applyInsertion('abc', { at: -1, text: 'x' }), undefined);
  assert.equal(applyInsertion('abc', { at: 1.5, text: 'x' }), undefined);
  assert.equal(applyInsertion('abc', { at: 1 }), undefined);
  assert.equal(applyInsertion('abc', null), undefined);
  assert.equal(applyInsertion('abc', { at: 3, text: 'd' }), 'abcd');
});
