/**
 * The web app's pure parts of answers that outlive their connection: event ids read from the
 * stream (kept for `Last-Event-ID`), which answer of a loaded conversation is still being written,
 * whether it is the conversation's first answer (it then asks for a title), and the bounded
 * backoff used to pick a dropped stream up again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WireConversation, WireMessage } from '../../src/protocol/wire-types.js';
import { readAnswerStream, type StreamItem, streamedText } from '../../web/src/api/answer-stream.js';
import { maxReattaches, pause, reattachDelay, reattachDelaysMs } from '../../web/src/lib/reattach-backoff.js';
import { answerBeingWritten, isFirstAnswer, treeFromWire } from '../../web/src/state/thread-tree.js';

/** A body that delivers `chunks` one by one, then ends (or fails like a dropped connection). */
function body(chunks: string[], drop = false): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (drop) controller.error(new TypeError('network error'));
      else controller.close();
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  for await (const item of readAnswerStream(stream)) items.push(item);
  return items;
}

function answer(id: string, text: string, status: string): string {
  const message = {
    id,
    author: { role: 'assistant' },
    content: { content_type: 'text', parts: [text] },
    status,
    metadata: {},
  };
  return JSON.stringify({ message, conversation_id: 'conv-1', error: null });
}

describe('answer stream event ids', () => {
  test('every event keeps its id; pings are skipped, the moderation event counts; [DONE] ends it', async () => {
    const items = await readAll(
      body([
        `id: 1\ndata: ${answer('a', 'Hel', 'in_progress')}\n\n`,
        'event: ping\ndata: {}\n\n',
        `id: 2\ndata: ${answer('a', 'Hello', 'in_progress')}\n\nid: 3\ndata: {"conversation_id": "conv-1", "moderation_response": {}}\n\n`,
        'id: 4\ndata: [DONE]\n\n',
        `id: 5\ndata: ${answer('a', 'never read', 'in_progress')}\n\n`,
      ]),
    );
    assert.deepEqual(
      items.map((item) => [item.id, item.event.type]),
      [
        ['1', 'message'],
        ['2', 'message'],
        ['3', 'other'],
        ['4', 'done'],
      ],
    );
  });

  test('a stream without id lines (programs’ semantics) reads as before, ids null', async () => {
    const items = await readAll(body([`data: ${answer('a', 'Hi', 'finished_successfully')}\n\n`, 'data: [DONE]\n\n']));
    assert.deepEqual(
      items.map((item) => item.id),
      [null, null],
    );
    const first = items[0]?.event;
    assert.equal(first?.type === 'message' && first.conversationId, 'conv-1');
  });

  test('delta events are spliced into the event before them, ids kept; a delta that does not fit is left unknown', async () => {
    const first = answer('a', 'Hel', 'in_progress');
    const third = answer('a', 'Hello, world', 'in_progress');
    const at = first.indexOf('Hel"') + 3;
    const items = await readAll(
      body([
        'event: delta\nid: 1\ndata: {"at":0,"text":"x"}\n\n',
        `id: 2\ndata: ${first}\n\n`,
        `event: delta\nid: 3\ndata: {"at":${at},"text":"lo, wor"}\n\nevent: ping\ndata: x\n\n`,
        `event: delta\nid: 4\ndata: {"at":${at + 7},"text":"ld"}\n\n`,
        `event: delta\nid: 5\ndata: {"at":${third.length + 1},"text":"!"}\n\n`,
        'event: delta\nid: 6\ndata: not json\n\n',
        'id: 7\ndata: [DONE]\n\n',
      ]),
    );
    assert.deepEqual(
      items.map((item) => [item.id, item.event.type]),
      [
        ['1', 'other'],
        ['2', 'message'],
        ['3', 'message'],
        ['4', 'message'],
        ['5', 'other'],
        ['6', 'other'],
        ['7', 'done'],
      ],
    );
    const texts = items.map((item) => (item.event.type === 'message' ? streamedText(item.event.message) : null));
    assert.deepEqual(texts.slice(1, 4), ['Hel', 'Hello, wor', 'Hello, world']);
  });

  test('a body that breaks mid-way throws after the events that arrived', async () => {
    const seen: Array<string | null> = [];
    await assert.rejects(async () => {
      for await (const item of readAnswerStream(body([`id: 7\ndata: ${answer('a', 'Hi', 'in_progress')}\n\n`], true)))
        seen.push(item.id);
    }, TypeError);
    assert.deepEqual(seen, ['7']);
  });
});

/** A conversation along one branch: root → each message in order; the last one is the current node. */
function chain(messages: Array<Pick<WireMessage, 'id' | 'status'> & { role: 'user' | 'assistant' }>): WireConversation {
  const mapping: WireConversation['mapping'] = { root: { id: 'root', message: null, parent: null, children: [] } };
  let parent = 'root';
  for (const { id, role, status } of messages) {
    const message = {
      id,
      author: { role, name: null, metadata: {} },
      create_time: 1,
      update_time: null,
      content: { content_type: 'text', parts: [`${role} ${id}`] },
      status,
      end_turn: null,
      weight: 1,
      metadata: {},
      recipient: 'all',
    } as WireMessage;
    mapping[id] = { id, message, parent, children: [] };
    mapping[parent]?.children.push(id);
    parent = id;
  }
  return {
    title: 'New chat',
    create_time: 1,
    update_time: 1,
    mapping,
    moderation_results: [],
    current_node: parent,
    plugin_ids: null,
    conversation_id: 'conv-1',
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    safe_urls: [],
  };
}

describe('an answer still being written', () => {
  const done = 'finished_successfully';

  test('is the current node’s assistant message while it is in_progress', () => {
    const writing = chain([
      { id: 'u1', role: 'user', status: done },
      { id: 'a1', role: 'assistant', status: 'in_progress' },
    ]);
    assert.equal(answerBeingWritten(writing), 'a1');
    const tree = treeFromWire(writing);
    assert.equal(tree.nodes.get('a1')?.message?.status, 'stopped', 'shown as stopped unless the page follows it');
    assert.equal(isFirstAnswer(tree.nodes, 'a1'), true);
  });

  test('nothing when the answer finished, or the current node is a user message', () => {
    const finished = chain([
      { id: 'u1', role: 'user', status: done },
      { id: 'a1', role: 'assistant', status: done },
    ]);
    assert.equal(answerBeingWritten(finished), null);
    const asked = chain([{ id: 'u1', role: 'user', status: 'in_progress' }]);
    assert.equal(answerBeingWritten(asked), null);
  });

  test('a later answer, or a continuation of a later one, is not the first answer', () => {
    const later = chain([
      { id: 'u1', role: 'user', status: done },
      { id: 'a1', role: 'assistant', status: done },
      { id: 'u2', role: 'user', status: done },
      { id: 'a2', role: 'assistant', status: done },
      { id: 'a2b', role: 'assistant', status: 'in_progress' },
    ]);
    assert.equal(answerBeingWritten(later), 'a2b');
    assert.equal(isFirstAnswer(treeFromWire(later).nodes, 'a2b'), false);
  });
});

describe('picking a dropped stream up again', () => {
  test('at once, then waits that double, then gives up', () => {
    const waits: Array<number | null> = [];
    for (let fruitless = 0; fruitless <= reattachDelaysMs.length; fruitless++) waits.push(reattachDelay(fruitless, 0));
    assert.deepEqual(waits, [0, 300, 600, 1200, 2400, null]);
  });

  test('attempts that brought events start the count again, up to a total cap', () => {
    assert.equal(reattachDelay(0, maxReattaches - 1), 0);
    assert.equal(reattachDelay(0, maxReattaches), null);
  });

  test('the pause ends early with an AbortError when the turn is stopped', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const waiting = pause(60_000, abort.signal);
    abort.abort();
    await assert.rejects(waiting, (error: unknown) => error instanceof DOMException && error.name === 'AbortError');
    assert.ok(Date.now() - started < 1000);
    await pause(1, new AbortController().signal);
  });
});
