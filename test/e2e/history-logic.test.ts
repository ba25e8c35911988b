/**
 * The pure parts of the history screens, without a browser: a search snippet cut at its highlights
 * (bad ranges never hide or repeat text) and content the thread does not render.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WireMessage } from '../../src/protocol/wire-types.js';
import { snippetParts } from '../../web/src/api/search-api.js';
import { toThreadMessage, unsupportedContent } from '../../web/src/state/thread-tree.js';

const joined = (parts: Array<{ text: string }>) => parts.map((part) => part.text).join('');

describe('search snippets', () => {
  test('matched runs are marked, in order, with the text between them', () => {
    assert.deepEqual(
      snippetParts('the quokka and the quokkas', [
        [19, 26],
        [4, 10],
      ]),
      [
        { text: 'the ', match: false },
        { text: 'quokka', match: true },
        { text: ' and the ', match: false },
        { text: 'quokkas', match: true },
      ],
    );
  });

  test('out-of-range, reversed, overlapping and non-integer ranges never lose or repeat text', () => {
    const snippet = 'émoji 🦘 kangaroo';
    const bad: Array<[number, number]> = [
      [-5, 2],
      [9, 7],
      [1, 4],
      [8, 99],
      [Number.NaN, 3],
      [3.5, 6],
    ];
    const parts = snippetParts(snippet, bad);
    assert.equal(joined(parts), snippet);
    assert.deepEqual(
      parts.filter((part) => part.match).map((part) => part.text),
      ['ém', 'oj', ' kangaroo'],
    );
    assert.deepEqual(snippetParts('', [[0, 3]]), []);
    assert.deepEqual(snippetParts('plain', []), [{ text: 'plain', match: false }]);
  });
});

function wireMessage(content: unknown): WireMessage {
  return {
    id: 'm1',
    author: { role: 'assistant', name: null, metadata: {} },
    create_time: 1,
    update_time: null,
    content,
    status: 'finished_successfully',
    end_turn: true,
    weight: 1,
    metadata: {},
    recipient: 'all',
  } as unknown as WireMessage;
}

describe('unsupported content', () => {
  test('text is text; every other type is kept with its text, whatever its shape', () => {
    assert.equal(unsupportedContent({ content_type: 'text', parts: ['hi'] }), undefined);
    assert.deepEqual(unsupportedContent({ content_type: 'code', language: 'python', text: 'x = 1' }), {
      contentType: 'code',
      text: 'x = 1',
    });
    assert.deepEqual(
      unsupportedContent({ content_type: 'multimodal_text', parts: [{ asset_pointer: 'file-1' }, 'caption'] }),
      { contentType: 'multimodal_text', text: 'caption' },
    );
    assert.deepEqual(unsupportedContent({ content_type: 'text', parts: [{ odd: true }] }), {
      contentType: 'text',
      text: '',
    });
    for (const odd of [null, 42, 'text', [], {}, { content_type: 7, parts: 'no' }]) {
      assert.equal(unsupportedContent(odd)?.contentType, 'unknown');
    }
  });

  test('a message with content the app does not render becomes a message with an unsupported block', () => {
    const message = toThreadMessage(wireMessage({ content_type: 'execution_output', text: 'ok' }));
    assert.equal(message?.text, '');
    assert.deepEqual(message?.unsupported, { contentType: 'execution_output', text: 'ok' });
    assert.equal(toThreadMessage(wireMessage({ content_type: 'text', parts: ['hello'] }))?.unsupported, undefined);
    assert.equal(toThreadMessage(wireMessage({ content_type: 'text', parts: ['hello'] }))?.text, 'hello');
  });
});
