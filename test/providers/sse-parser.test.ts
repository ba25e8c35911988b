/**
 * The event-stream parser of the openai-compatible provider: recorded transcripts cut at every byte
 * offset, every line ending, multi-line data, comments and other fields, UTF-8 split across chunks,
 * and an unfinished last event.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SseParser } from '../../src/providers/openai-compatible/sse-parser.js';

const fixtures = new URL('../fixtures/openai/', import.meta.url);
const transcripts = ['openai-hello', 'openai-length', 'openai-multibyte', 'ollama-hello'];

function transcript(name: string): Buffer {
  return readFileSync(new URL(`${name}.sse`, fixtures));
}

/** The events of a transcript as the fixture README describes them: `data: <json>` blocks. */
function expectedEvents(raw: Buffer): string[] {
  return raw
    .toString('utf8')
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => block.replace(/^data: /, ''));
}

/** Feeds `pieces` in order and collects every event's data. */
function parse(...pieces: Array<Buffer | string>): string[] {
  const parser = new SseParser();
  const events = pieces.flatMap((piece) => parser.push(typeof piece === 'string' ? Buffer.from(piece) : piece));
  parser.end();
  return events;
}

function withLineEnds(raw: Buffer, lineEnd: string): Buffer {
  return Buffer.from(raw.toString('utf8').replace(/\n/g, lineEnd));
}

describe('SseParser', () => {
  for (const name of transcripts) {
    it(`parses the ${name} transcript cut in two at every byte offset`, () => {
      const raw = transcript(name);
      const expected = expectedEvents(raw);
      assert.ok(expected.length > 3 && expected.at(-1) === '[DONE]');
      for (let offset = 0; offset <= raw.length; offset++) {
        assert.deepEqual(parse(raw.subarray(0, offset), raw.subarray(offset)), expected, `cut at byte ${offset}`);
      }
    });
  }

  it('parses a transcript fed one byte at a time, and in three pieces at many offset pairs', () => {
    const raw = transcript('openai-multibyte');
    const expected = expectedEvents(raw);
    assert.deepEqual(parse(...Array.from({ length: raw.length }, (_, i) => raw.subarray(i, i + 1))), expected);
    for (let first = 0; first < raw.length; first += 61) {
      for (let second = first; second <= raw.length; second += 53) {
        const pieces = [raw.subarray(0, first), raw.subarray(first, second), raw.subarray(second)];
        assert.deepEqual(parse(...pieces), expected, `cut at ${first} and ${second}`);
      }
    }
  });

  for (const [label, lineEnd] of [
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ] as const) {
    it(`parses ${label} line ends, also split between two chunks at every offset`, () => {
      const raw = transcript('openai-hello');
      const expected = expectedEvents(raw);
      const converted = withLineEnds(raw, lineEnd);
      for (let offset = 0; offset <= converted.length; offset++) {
        const events = parse(converted.subarray(0, offset), converted.subarray(offset));
        assert.deepEqual(events, expected, `cut at byte ${offset}`);
      }
    });
  }

  it('accepts mixed line ends in one stream', () => {
    assert.deepEqual(parse('data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\n\n'), ['a', 'b', 'c', 'd']);
    // A `\r` ending one chunk and `\n` starting the next are one line end, not two (no empty event).
    assert.deepEqual(parse('data: a\r', '\ndata: b\r', '\n\r', '\n'), ['a\nb']);
  });

  it('joins multi-line data with \\n', () => {
    assert.deepEqual(parse('data: {"a":\ndata:  1}\n\n'), ['{"a":\n 1}']);
    assert.deepEqual(parse('data: one\ndata: two\ndata: three\n\n'), ['one\ntwo\nthree']);
  });

  it('takes one optional space after the colon, and a bare `data` field as empty', () => {
    assert.deepEqual(parse('data:x\n\n', 'data:  y\n\n', 'data\n\n', 'data:\n\n'), ['x', ' y', '', '']);
  });

  it('ignores comments, other fields and events without data', () => {
    const stream = ': keep-alive\n\n:\nevent: message\nid: 7\nretry: 100\ncolor: blue\ndata: kept\n\nevent: ping\n\n';
    assert.deepEqual(parse(stream), ['kept']);
    assert.deepEqual(parse(': only a comment\n\n'), []);
    assert.deepEqual(parse('dataX: no\ndatum: no\n data: no\n\n'), []);
  });

  it('dispatches only on a blank line, never before', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(Buffer.from('data: a\n')), []);
    assert.deepEqual(parser.push(Buffer.from('data: b\n')), []);
    assert.deepEqual(parser.push(Buffer.from('\n')), ['a\nb']);
  });

  it('discards a last event that has no blank line after it (as the spec and the openai SDK do)', () => {
    assert.deepEqual(parse('data: first\n\ndata: last\n'), ['first']);
    assert.deepEqual(parse('data: first\n\ndata: last'), ['first']);
  });

  it('keeps a UTF-8 character whole when its bytes are split between chunks, at every offset', () => {
    const text = 'naïve 你好 👨‍👩‍👧 🌏';
    const raw = Buffer.from(`data: ${JSON.stringify({ content: text })}\n\n`);
    for (let offset = 0; offset <= raw.length; offset++) {
      const [event] = parse(raw.subarray(0, offset), raw.subarray(offset));
      assert.equal(JSON.parse(event ?? 'null').content, text, `cut at byte ${offset}`);
    }
    const bytewise = parse(...Array.from({ length: raw.length }, (_, i) => raw.subarray(i, i + 1)));
    assert.equal(JSON.parse(bytewise[0] ?? 'null').content, text);
  });

  it('drops a byte-order mark at the start of the stream only', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assert.deepEqual(parse(Buffer.concat([bom, Buffer.from('data: a\n\n')])), ['a']);
    assert.deepEqual(parse(bom.subarray(0, 2), Buffer.concat([bom.subarray(2), Buffer.from('data: a\n\n')])), ['a']);
    assert.deepEqual(parse('data: a\n\n', '\uFEFFdata: b\n\n'), ['a']);
  });
});
