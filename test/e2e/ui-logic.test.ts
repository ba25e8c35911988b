/**
 * The web UI's pure logic, without a browser: latency figures for `lat/r`, sidebar date groups, error
 * texts (detail, 429 clears_in), the conversation body, client ids, and the thread's branch model
 * (continuations merged, siblings counted, newest leaf).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WireConversation, WireMessage } from '../../src/protocol/wire-types.js';
import { ApiError, apiErrorFrom, describeError } from '../../web/src/api/api-error.js';
import { turnRequestBody } from '../../web/src/api/turn-request.js';
import { chunksFrom, newestChunksHolding, splitIntoChunks } from '../../web/src/hooks/use-progressive-chunks.js';
import { dateGroupLabel, groupByDate } from '../../web/src/lib/date-groups.js';
import { clientMessageId, uuidV4 } from '../../web/src/lib/ids.js';
import { estimateTokens, interpolatedPercentile, tokenTimingStats } from '../../web/src/lib/latency-summary.js';
import { branchGroups, buildItem } from '../../web/src/state/display-items.js';
import { ThreadStore } from '../../web/src/state/thread-store.js';
import {
  isFirstAnswer,
  isWholeTree,
  latestLeaf,
  missingAbove,
  pathFromRoot,
  treeFromWire,
  visibleSiblings,
} from '../../web/src/state/thread-tree.js';
import { seedFirstTurnKeys } from '../helpers/turns.js';

describe('latency figures (lat/r)', () => {
  test('percentiles interpolate linearly between closest ranks, like numpy', () => {
    const values = [1, 2, 3, 4, 10];
    assert.equal(interpolatedPercentile(values, 0.5), 3);
    assert.ok(Math.abs(interpolatedPercentile(values, 0.95) - 8.8) < 1e-9);
    assert.ok(Math.abs(interpolatedPercentile(values, 0.99) - 9.76) < 1e-9);
    assert.equal(interpolatedPercentile([], 0.5), 0);
  });

  test('first token, then statistics of the gaps after it', () => {
    const stats = tokenTimingStats([100, 110, 130, 160]);
    assert.equal(stats.ts_first_token_ms, 100);
    assert.equal(stats.ts_min_token_time_ms, 10);
    assert.equal(stats.ts_max_token_time_ms, 30);
    assert.equal(stats.ts_mean_token_without_first_ms, 20);
    assert.equal(stats.ts_median_token_without_first_ms, 20);
    assert.ok(Math.abs(stats.ts_std_dev_token_ms - Math.sqrt(200 / 3)) < 1e-9);
    assert.deepEqual(Object.keys(stats), [
      'ts_first_token_ms',
      'ts_max_token_time_ms',
      'ts_mean_token_without_first_ms',
      'ts_median_token_without_first_ms',
      'ts_min_token_time_ms',
      'ts_p95_token_without_first_ms',
      'ts_p99_token_without_first_ms',
      'ts_std_dev_token_ms',
    ]);
    assert.equal(tokenTimingStats([]).ts_first_token_ms, 0);
    assert.equal(estimateTokens('x'.repeat(40)), 10);
  });
});

describe('sidebar date groups', () => {
  const now = new Date(2026, 10, 26, 15, 0);
  const daysAgo = (days: number) => new Date(2026, 10, 26 - days, 9, 0);

  test('Today, Yesterday, Previous 7 Days, Previous 30 Days, then months', () => {
    assert.equal(dateGroupLabel(new Date(2026, 10, 26, 0, 1), now), 'Today');
    assert.equal(dateGroupLabel(daysAgo(1), now), 'Yesterday');
    assert.equal(dateGroupLabel(daysAgo(7), now), 'Previous 7 Days');
    assert.equal(dateGroupLabel(daysAgo(8), now), 'Previous 30 Days');
    assert.equal(dateGroupLabel(daysAgo(30), now), 'Previous 30 Days');
    assert.equal(dateGroupLabel(new Date(2026, 8, 3), now), 'September');
    assert.equal(dateGroupLabel(new Date(2025, 11, 31), now), 'December 2025');
  });

  test('consecutive items of a label form one group', () => {
    const groups = groupByDate([daysAgo(0), daysAgo(0), daysAgo(1), daysAgo(40)], (date) => date, now);
    assert.deepEqual(
      groups.map((group) => [group.label, group.items.length]),
      [
        ['Today', 2],
        ['Yesterday', 1],
        ['October', 1],
      ],
    );
  });
});

describe('error texts', () => {
  test('detail.message, else detail, else a sentence by status', () => {
    assert.equal(
      apiErrorFrom(404, { detail: { message: 'Conversation not found' } }).message,
      'Conversation not found',
    );
    assert.equal(apiErrorFrom(400, { detail: 'messages.0: bad' }).message, 'messages.0: bad');
    assert.match(apiErrorFrom(502, {}).message, /server/);
    assert.equal(apiErrorFrom(401, { detail: { code: 'token_expired', message: 'x' } }).code, 'token_expired');
  });

  test('429 with clears_in says when to try again', () => {
    const error = apiErrorFrom(429, { detail: { message: 'You have sent too many messages.', clears_in: 125 } });
    assert.equal(error.message, 'You have sent too many messages. Try again in 3 min.');
    assert.equal(error.clearsInSeconds, 125);
    assert.match(apiErrorFrom(429, { detail: { message: 'Cap.', clears_in: 11_461 } }).message, /in 3 hours/);
    assert.equal(describeError(new ApiError(500, 'boom')), 'boom');
  });
});

describe('the conversation request', () => {
  test('first turn: no conversation_id, ChatGPT’s key order; later turns carry it', () => {
    const first = turnRequestBody({
      action: 'next',
      message: { id: 'aaa00000-0000-4000-8000-000000000001', text: 'Hi' },
      conversationId: null,
      parentMessageId: 'aaa00000-0000-4000-8000-000000000000',
      model: 'demo',
      suggestions: ['a', 'b', 'c', 'd'],
      temporary: false,
    });
    assert.deepEqual(Object.keys(first), seedFirstTurnKeys);
    const later = turnRequestBody({
      action: 'continue',
      message: null,
      conversationId: 'c0000000-0000-4000-8000-000000000000',
      parentMessageId: 'p0000000-0000-4000-8000-000000000000',
      model: 'demo',
      suggestions: [],
      temporary: true,
    });
    assert.equal(later.conversation_id, 'c0000000-0000-4000-8000-000000000000');
    assert.deepEqual(later.messages, []);
    assert.equal(later.history_and_training_disabled, true);
  });

  test('client message ids are v4 UUIDs starting with aaa', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (let index = 0; index < 50; index++) {
      assert.match(uuidV4(), v4);
      const id = clientMessageId();
      assert.match(id, v4);
      assert.ok(id.startsWith('aaa'));
    }
  });
});

function wireMessage(id: string, role: 'system' | 'user' | 'assistant', text: string, finish?: string): WireMessage {
  return {
    id,
    author: { role, name: null, metadata: {} },
    create_time: 1,
    update_time: null,
    content: { content_type: 'text', parts: [text] },
    status: 'finished_successfully',
    end_turn: role === 'assistant' ? true : null,
    weight: role === 'system' ? 0 : 1,
    metadata: {
      ...(finish && { finish_details: { type: finish } }),
      ...(role === 'system' && { is_visually_hidden_from_conversation: true }),
    },
    recipient: 'all',
  };
}

/** root → system → u1 → (a1 → a1b continuation) | a2 ; system → u2 → a3 */
function sampleConversation(): WireConversation {
  const nodes: Array<[string, string | null, WireMessage | null]> = [
    ['root', null, null],
    ['sys', 'root', wireMessage('sys', 'system', '')],
    ['u1', 'sys', wireMessage('u1', 'user', 'Question')],
    ['a1', 'u1', wireMessage('a1', 'assistant', 'Part one, ', 'max_tokens')],
    ['a1b', 'a1', wireMessage('a1b', 'assistant', 'part two.', 'stop')],
    ['a2', 'u1', wireMessage('a2', 'assistant', 'Another answer', 'stop')],
    ['u2', 'sys', wireMessage('u2', 'user', 'Edited question')],
    ['a3', 'u2', wireMessage('a3', 'assistant', 'Third', 'stop')],
  ];
  const mapping: WireConversation['mapping'] = {};
  for (const [id, parent, message] of nodes) mapping[id] = { id, message, parent, children: [] };
  for (const [id, parent] of nodes) if (parent) mapping[parent]?.children.push(id);
  return {
    title: 'T',
    create_time: 1,
    update_time: 1,
    mapping,
    moderation_results: [],
    current_node: 'a1b',
    plugin_ids: null,
    conversation_id: 'c',
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    safe_urls: [],
  };
}

describe('the thread’s branch model', () => {
  test('the branch hides root and system, and merges a continuation into its answer', () => {
    const tree = treeFromWire(sampleConversation());
    assert.equal(tree.rootId, 'root');
    assert.deepEqual(pathFromRoot(tree.nodes, 'a1b'), ['root', 'sys', 'u1', 'a1', 'a1b']);
    assert.deepEqual(branchGroups(tree.nodes, tree.currentNode), [['u1'], ['a1', 'a1b']]);
    const answer = buildItem(tree.nodes, ['a1', 'a1b'], true, new Map());
    assert.equal(answer?.key, 'a1');
    assert.equal(answer?.id, 'a1b');
    assert.equal(answer?.text, 'Part one, part two.');
    assert.equal(answer?.finishType, 'stop');
    assert.deepEqual([answer?.siblingIndex, answer?.siblingCount], [1, 2]);
  });

  test('siblings are counted per role; switching goes to the newest leaf', () => {
    const tree = treeFromWire(sampleConversation());
    assert.deepEqual(visibleSiblings(tree.nodes, 'u1'), ['u1', 'u2']);
    assert.deepEqual(visibleSiblings(tree.nodes, 'a2'), ['a1', 'a2']);
    assert.equal(latestLeaf(tree.nodes, 'u1'), 'a2');
    assert.equal(latestLeaf(tree.nodes, 'u2'), 'a3');
    assert.equal(latestLeaf(tree.nodes, 'a3'), 'a3');
  });

  test('a window of a branch: what is missing above, unloaded siblings counted, not a first answer', () => {
    const whole = sampleConversation();
    // The last two nodes of the branch ending at a1b, as `?tail=2` gives them.
    const window = windowOf(whole, ['a1', 'a1b'], 'u1');
    const tree = treeFromWire(window);
    assert.equal(tree.rootId, '');
    assert.equal(tree.currentNode, 'a1b');
    assert.equal(missingAbove(tree.nodes, 'a1b'), 'u1');
    assert.equal(isFirstAnswer(tree.nodes, 'a1b'), false);
    assert.equal(isWholeTree(tree.nodes), false);
    assert.equal(missingAbove(treeFromWire(whole).nodes, 'a1b'), null);
    assert.equal(isWholeTree(treeFromWire(whole).nodes), true);
    // u1 is loaded with its children listed: a2, never loaded, is still a sibling of a1.
    const upper = treeFromWire(windowOf(whole, ['root', 'sys', 'u1'], null));
    assert.deepEqual(visibleSiblings(new Map([...upper.nodes, ...tree.nodes]), 'a1'), ['a1', 'a2']);
  });

  test('older windows merged into the store go above; rows keep their chunk positions', () => {
    const whole = sampleConversation();
    const store = new ThreadStore('c');
    store.load(windowOf(whole, ['a1', 'a1b'], 'u1', 'cursor-u1'));
    assert.equal(store.getView().olderAbove, 'u1');
    assert.equal(store.cursorAbove(), 'cursor-u1');
    assert.deepEqual(store.getView().keys, ['a1']);
    store.merge(windowOf(whole, ['root', 'sys', 'u1'], null));
    assert.equal(store.getView().olderAbove, null);
    assert.deepEqual(store.getView().keys, ['u1', 'a1']);
    assert.equal(store.getView().firstPosition, -1, 'a1 stays at position 0');
    // A sibling's branch merged and shown.
    store.merge(windowOf(whole, ['root', 'sys', 'u2', 'a3'], null), 'a3');
    assert.deepEqual(store.getView().keys, ['u2', 'a3']);
  });

  test('a path stops at a missing parent, and before the first node it would see twice (a cycle)', () => {
    const node = (id: string, parentId: string | null) => ({ id, parentId, children: [], message: null });
    const cycle = new Map([
      ['a', node('a', 'c')],
      ['b', node('b', 'a')],
      ['c', node('c', 'b')],
      ['d', node('d', 'c')],
    ]);
    assert.deepEqual(pathFromRoot(cycle, 'd'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(pathFromRoot(cycle, 'b'), ['c', 'a', 'b']);
    assert.deepEqual(pathFromRoot(new Map([['x', node('x', 'gone')]]), 'x'), ['x']);
    assert.deepEqual(pathFromRoot(new Map(), 'x'), []);
  });

  test('a turn’s question and answer are added at once: the branch is recomputed and announced once', () => {
    const store = new ThreadStore('c');
    store.load(sampleConversation());
    let announced = 0;
    store.subscribe(() => announced++);
    const message = (id: string, role: 'user' | 'assistant') =>
      ({ id, role, text: '', status: 'streaming', finishType: null, modelSlug: null, errorText: null }) as const;
    store.addNodes([
      { id: 'u9', parentId: 'a1b', children: [], message: message('u9', 'user') },
      { id: 'a9', parentId: 'u9', children: [], message: message('a9', 'assistant') },
    ]);
    assert.equal(announced, 1);
    assert.deepEqual(store.getView().keys, ['u1', 'a1', 'u9', 'a9']);
    assert.equal(store.getTree().currentNode, 'a9');
    assert.deepEqual(store.getTree().nodes.get('a1b')?.children, ['u9']);
    assert.equal(store.getItem('a1')?.isLast, false);
    assert.equal(store.getItem('a9')?.isLast, true);
  });

  test('chunks counted from the first loaded row: rows added above never move a row to another chunk', () => {
    const keys = Array.from({ length: 200 }, (_, index) => `k${index}`);
    const firstLoad = splitIntoChunks(keys.slice(100), 0);
    const afterOlder = splitIntoChunks(keys, -100);
    assert.deepEqual(
      firstLoad.map((chunk) => chunk.index),
      [0, 1, 2],
    );
    assert.deepEqual(
      afterOlder.map((chunk) => chunk.index),
      [-3, -2, -1, 0, 1, 2],
    );
    for (const chunk of firstLoad)
      assert.deepEqual(
        afterOlder.find((other) => other.index === chunk.index),
        chunk,
      );
    assert.deepEqual(
      afterOlder.flatMap((chunk) => chunk.keys),
      keys,
    );
  });

  test('the first render holds the newest chunks that make a screenful of rows, at least one chunk', () => {
    const chunksOf = (count: number) =>
      splitIntoChunks(
        Array.from({ length: count }, (_, index) => `k${index}`),
        0,
      );
    // 100 rows: 40 + 40 + 20; the newest 20 are enough.
    assert.equal(newestChunksHolding(chunksOf(100), 12), 1);
    // 81 rows: the newest chunk holds one row, so the one above it comes too.
    assert.equal(newestChunksHolding(chunksOf(81), 12), 2);
    assert.equal(newestChunksHolding(chunksOf(81), 41), 2);
    assert.equal(newestChunksHolding(chunksOf(81), 42), 3);
    assert.equal(newestChunksHolding(chunksOf(5), 12), 1);
    assert.equal(newestChunksHolding([], 12), 1);
  });

  test('rows loaded above: the chunks there before are counted from the old first row, its chunk included', () => {
    const keys = (count: number, name = 'k') => Array.from({ length: count }, (_, index) => `${name}${index}`);
    // 100 rows at positions 0…99 (chunks 0, 1, 2); 500 older ones put above: positions −500…−1.
    const before = splitIntoChunks(keys(100), 0);
    const after = splitIntoChunks([...keys(500, 'old'), ...keys(100)], -500);
    assert.equal(chunksFrom(after, 0), before.length);
    assert.deepEqual(after.slice(after.length - chunksFrom(after, 0)), before);
    // The first row mid-chunk (position −30, chunk −1): that chunk grew, and it counts as there before.
    const midChunk = splitIntoChunks(keys(130), -30);
    const grown = splitIntoChunks(keys(630), -530);
    assert.equal(chunksFrom(grown, -30), midChunk.length);
    assert.equal(grown.at(-midChunk.length)?.index, -1);
    assert.equal(chunksFrom(grown, 200), 0);
  });
});

/** The nodes `ids` of `whole` as a windowed GET answers them (`above`: the node above the window). */
function windowOf(whole: WireConversation, ids: string[], above: string | null, cursor = 'c1') {
  const mapping = Object.fromEntries(ids.map((id) => [id, whole.mapping[id] as WireConversation['mapping'][string]]));
  const window = {
    first_node: ids[0] ?? null,
    last_node: ids.at(-1) ?? null,
    has_more: above !== null,
    cursor: above === null ? null : cursor,
  };
  return { ...whole, mapping, current_node: whole.current_node, window };
}
