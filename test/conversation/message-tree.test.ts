import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childrenIndex, newestLeaf, pathTo } from '../../src/conversation/message-tree.js';
import { buildPrompt, toChatMessages } from '../../src/conversation/prompt-builder.js';
import { cleanTitle, fallbackTitle } from '../../src/conversation/title.js';
import { toWireMapping } from '../../src/conversation/wire-format.js';
import type { ModelInfo } from '../../src/providers/model-provider.js';
import type { MessageRecord, MessageRole } from '../../src/store/store.js';

function node(id: string, parentId: string | null, role: MessageRole, text = ''): MessageRecord {
  return {
    id,
    conversationId: 'c',
    parentId,
    role,
    authorName: null,
    contentType: 'text',
    parts: role === 'root' ? [] : [text],
    status: 'finished_successfully',
    endTurn: null,
    weight: role === 'system' ? 0 : 1,
    metadata: {},
    recipient: 'all',
    modelSlug: null,
    createTime: null,
    updateTime: null,
  };
}

// root → system → u1 → a1 → u2 → {a2, a2b (variant)}; u1 → ... edit branch: system → u1b → a1b
const tree = [
  node('root', null, 'root'),
  node('sys', 'root', 'system'),
  node('u1', 'sys', 'user', 'hello'),
  node('a1', 'u1', 'assistant', 'hi there'),
  node('u2', 'a1', 'user', 'more'),
  node('a2', 'u2', 'assistant', 'first answer'),
  node('a2b', 'u2', 'assistant', 'second answer'),
  node('u1b', 'sys', 'user', 'edited hello'),
  node('a1b', 'u1b', 'assistant', 'edited reply'),
];

test('childrenIndex keeps insertion order and gives leaves empty arrays', () => {
  const children = childrenIndex(tree);
  assert.deepEqual(children.get('sys'), ['u1', 'u1b']);
  assert.deepEqual(children.get('u2'), ['a2', 'a2b']);
  assert.deepEqual(children.get('a2b'), []);
});

test('pathTo walks from the root to a leaf', () => {
  assert.deepEqual(
    pathTo(tree, 'a2b').map((m) => m.id),
    ['root', 'sys', 'u1', 'a1', 'u2', 'a2b'],
  );
  assert.deepEqual(pathTo(tree, 'missing'), []);
});

test('newestLeaf follows the newest child', () => {
  const children = childrenIndex(tree);
  assert.equal(newestLeaf(children, 'u1'), 'a2b');
  assert.equal(newestLeaf(children, 'sys'), 'a1b');
  assert.equal(newestLeaf(children, 'a2'), 'a2');
});

test('mapping: insertion order, explicit null parent on the root, message null on the root', () => {
  const mapping = toWireMapping(tree);
  assert.deepEqual(
    Object.keys(mapping),
    tree.map((m) => m.id),
  );
  assert.deepEqual(mapping.root, { id: 'root', message: null, parent: null, children: ['sys'] });
  assert.equal(mapping.sys?.message?.author.role, 'system');
  assert.equal(mapping.sys?.message?.weight, 0);
});

const model: ModelInfo = {
  slug: 'm',
  upstreamModel: 'm',
  title: 'Model',
  description: '',
  contextWindow: 60,
  maxOutputTokens: 20,
  isDemo: false,
};

test('prompt: root and empty system dropped, continuation chain merged', () => {
  const path = [...pathTo(tree, 'a1'), node('a1c', 'a1', 'assistant', ' and more')];
  assert.deepEqual(toChatMessages(path), [
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: 'hi there and more' },
  ]);
});

test('prompt is trimmed to the context window, newest turns kept', () => {
  const long = 'word '.repeat(15);
  const path = [
    node('r', null, 'root'),
    node('s', 'r', 'system'),
    node('u1', 's', 'user', long),
    node('a1', 'u1', 'assistant', long),
    node('u2', 'a1', 'user', 'short question'),
  ];
  const prompt = buildPrompt(path, model);
  assert.deepEqual(prompt, [{ role: 'user', content: 'short question' }]);
  assert.throws(() => buildPrompt([node('u', null, 'user', 'x '.repeat(100))], model), /too long/);
});

test('titles are cleaned', () => {
  assert.equal(cleanTitle('Title: "Roman Empire Fun Fact."\nextra'), 'Roman Empire Fun Fact');
  assert.equal(cleanTitle('**Plan a trip**'), 'Plan a trip');
  assert.equal(cleanTitle('\n\n'), '');
  assert.equal(fallbackTitle('Tell me a random fun fact about the Roman Empire'), 'Tell me a random fun fact');
  assert.ok(cleanTitle('x'.repeat(200)).length <= 81);
});
