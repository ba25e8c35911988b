import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { childrenIndex, pathTo } from '../../src/conversation/message-tree.js';
import { buildPrompt, type PathSource, promptPath, toChatMessages } from '../../src/conversation/prompt-builder.js';
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

/** A linear path root → (system) → messages, read as the store would, counting the messages read and the reads. */
function pathSource(path: MessageRecord[]): PathSource & { read: number; reads: number } {
  const source = {
    read: 0,
    reads: 0,
    async path(leafId: string, maxMessages: number) {
      source.reads += 1;
      const end = path.findIndex((message) => message.id === leafId);
      if (end === -1) return [];
      const part = path.slice(Math.max(0, end + 1 - maxMessages), end + 1);
      source.read += part.length;
      return part;
    },
    async systemMessage() {
      const first = path[1];
      return first?.role === 'system' ? first : undefined;
    },
  };
  return source;
}

const roles: MessageRole[] = ['user', 'assistant', 'assistant', 'user', 'tool'];

test('promptPath reads only what the window can use, and the prompt is the same as from the whole path', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        system: fc.boolean(),
        texts: fc.array(fc.tuple(fc.constantFrom(...roles), fc.string({ maxLength: 120 })), {
          minLength: 1,
          maxLength: 400,
        }),
        window: fc.integer({ min: 400, max: 4_000 }),
      }),
      async ({ system, texts, window }) => {
        const path = [node('root', null, 'root')];
        if (system) path.push(node('sys', 'root', 'system', 'Be brief.'));
        for (const [index, [role, text]] of texts.entries()) {
          path.push(node(`m${index}`, path.at(-1)?.id ?? null, role, `${text} ${index}`));
        }
        const windowModel = { ...model, contextWindow: window, maxOutputTokens: 100 };
        const source = pathSource(path);
        const leaf = path.at(-1)?.id ?? '';
        const read = await promptPath(source, leaf, windowModel);
        assert.equal(read.at(-1)?.id, leaf);
        const whole = (() => {
          try {
            return buildPrompt(path, windowModel);
          } catch (error) {
            return String(error);
          }
        })();
        const windowed = (() => {
          try {
            return buildPrompt(read, windowModel);
          } catch (error) {
            return String(error);
          }
        })();
        assert.deepEqual(windowed, whole);
      },
    ),
    { numRuns: 200 },
  );
});

test('promptPath on a 10,000-message path reads a few dozen messages, not the history', async () => {
  const path = [node('root', null, 'root'), node('sys', 'root', 'system', 'Be brief.')];
  for (let index = 0; index < 10_000; index++) {
    path.push(node(`m${index}`, path.at(-1)?.id ?? null, index % 2 ? 'assistant' : 'user', 'word '.repeat(200)));
  }
  const source = pathSource(path);
  const read = await promptPath(source, 'm9999', { ...model, contextWindow: 8_192, maxOutputTokens: 1_024 });
  assert.ok(source.read <= 96, `read ${source.read} messages`);
  // The first read is sized to the window (7,168 tokens ≈ 56 messages at 128), and these fill it: one read.
  assert.equal(source.reads, 1);
  assert.equal(read[0]?.id, 'sys', 'the system message first');
  assert.deepEqual(
    buildPrompt(read, { ...model, contextWindow: 8_192, maxOutputTokens: 1_024 }),
    buildPrompt(path, { ...model, contextWindow: 8_192, maxOutputTokens: 1_024 }),
  );
  assert.deepEqual(await promptPath(source, 'missing', model), []);
});

test('a conversation read again starts from how much fitted last time, and the prompt is the same', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        texts: fc.array(fc.tuple(fc.constantFrom(...roles), fc.string({ maxLength: 400 })), {
          minLength: 2,
          maxLength: 300,
        }),
        cut: fc.nat(),
        window: fc.integer({ min: 400, max: 4_000 }),
        conversation: fc.uuid(),
      }),
      async ({ texts, cut, window, conversation }) => {
        const path = [node('root', null, 'root'), node('sys', 'root', 'system', 'Be brief.')];
        for (const [index, [role, text]] of texts.entries()) {
          path.push(node(`m${index}`, path.at(-1)?.id ?? null, role, `${text} ${index}`));
        }
        const windowModel = { ...model, contextWindow: window, maxOutputTokens: 100 };
        const promptOf = (messages: MessageRecord[]) => {
          try {
            return buildPrompt(messages, windowModel);
          } catch (error) {
            return String(error);
          }
        };
        // An earlier turn read the conversation when it was shorter; this one reads it whole.
        const earlier = path.slice(0, 3 + (cut % (path.length - 2)));
        await promptPath(pathSource(earlier), earlier.at(-1)?.id ?? '', windowModel, conversation);
        const read = await promptPath(pathSource(path), path.at(-1)?.id ?? '', windowModel, conversation);
        assert.deepEqual(promptOf(read), promptOf(path));
      },
    ),
    { numRuns: 200 },
  );
});

test('the next turn of a long conversation reads about as many messages as fitted, in one read', async () => {
  const path = [node('root', null, 'root'), node('sys', 'root', 'system', 'Be brief.')];
  for (let index = 0; index < 10_000; index++) {
    path.push(node(`m${index}`, path.at(-1)?.id ?? null, index % 2 ? 'assistant' : 'user', 'word '.repeat(200)));
  }
  const windowModel = { ...model, contextWindow: 8_192, maxOutputTokens: 1_024 };
  const first = pathSource(path.slice(0, -2));
  await promptPath(first, 'm9997', windowModel, 'c-long');
  const next = pathSource(path);
  const read = await promptPath(next, 'm9999', windowModel, 'c-long');
  assert.deepEqual(buildPrompt(read, windowModel), buildPrompt(path, windowModel));
  // ~200 tokens a message: 35 fit in 7,168 tokens; the first read took 56 (at 128 tokens a message).
  assert.equal(first.read, 56);
  assert.equal(next.reads, 1);
  assert.ok(next.read < first.read && next.read >= 35, `read ${next.read} messages`);
  // Another conversation (or another window) starts from the assumption again.
  const other = pathSource(path);
  await promptPath(other, 'm9999', windowModel, 'c-other');
  assert.equal(other.read, 56);
});

test('titles are cleaned', () => {
  assert.equal(cleanTitle('Title: "Roman Empire Fun Fact."\nextra'), 'Roman Empire Fun Fact');
  assert.equal(cleanTitle('**Plan a trip**'), 'Plan a trip');
  assert.equal(cleanTitle('\n\n'), '');
  assert.equal(fallbackTitle('Tell me a random fun fact about the Roman Empire'), 'Tell me a random fun fact');
  assert.ok(cleanTitle('x'.repeat(200)).length <= 81);
});
