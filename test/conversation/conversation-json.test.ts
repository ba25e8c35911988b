/**
 * A long conversation's JSON written a page of messages at a time (src/conversation/conversation-json.ts)
 * is byte for byte `JSON.stringify` of the wire conversation as the object path builds it from the same
 * rows: generated trees with branches, unicode, any metadata (keys a JSON object reorders, `__proto__`),
 * any times, weights and `end_turn`, imported extras on the conversation and its messages, every page
 * size — the messages' JSON columns spliced in from their stored text. Ids whose key order differs go
 * the whole way; a message added meanwhile is left out whole, and one deleted meanwhile leaves no gap
 * and no node written twice. A conversation held whole (a short one, a window) is encoded a node at a
 * time to the same bytes, its nodes held as JSON text (a window's) spliced in as they are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  canWriteInPages,
  conversationBytes,
  conversationJson,
  JsonText,
  LinkIndex,
  readLinks,
} from '../../src/conversation/conversation-json.js';
import { childrenIndex } from '../../src/conversation/message-tree.js';
import { toWireConversation, wireNodeJson } from '../../src/conversation/wire-format.js';
import { messageRows, messageTextRows } from '../../src/store/message-queries.js';
import type { ConversationRecord, MessageLink, MessageRecord, WireExtras } from '../../src/store/store.js';
import { message, rootMessage } from '../store/store-fixtures.js';

function conversation(extras?: WireExtras): ConversationRecord {
  return {
    id: 'c1',
    ownerId: 'ann',
    title: 'Ünïcode “title” \u2028 😀',
    createTime: 1_700_000_000.5,
    updateTime: 1_700_000_100,
    currentNode: 'c1-root',
    rootId: 'c1-root',
    isArchived: false,
    isVisible: true,
    isTemporary: false,
    defaultModel: 'demo',
    timezoneOffsetMin: 0,
    conversationMode: { kind: 'primary_assistant' },
    suggestions: [],
    ...(extras && { extras }),
  };
}

/**
 * A source over `messages` (insertion order), with seq 10, 20, 30…, optionally growing while read
 * (`added`) or losing rows (`deleted`, ids) once the links are read.
 */
function source(messages: MessageRecord[], added: MessageRecord[] = [], deleted: ReadonlySet<string> = new Set()) {
  const links: MessageLink[] = messages.map((record, index) => ({
    seq: (index + 1) * 10,
    id: record.id,
    parentId: record.parentId,
  }));
  let stored = messages.map((record, index) => ({ record, seq: (index + 1) * 10 }));
  const index = new LinkIndex();
  index.add(links);
  return {
    index,
    async page(afterSeq: number, limit: number) {
      stored.push(...added.splice(0).map((record, index) => ({ record, seq: 1_000_000 + index })));
      stored = stored.filter(({ record }) => !deleted.has(record.id));
      // As the store reads them: the row written for each record, its JSON columns left as text.
      const rows = stored
        .filter(({ seq }) => seq > afterSeq)
        .slice(0, limit)
        .map(({ record }) => record);
      return rows.map((record) => {
        const row = { extras: null, ...messageRows.toRow(record), owner_id: 'ann', seq: 0 };
        return messageTextRows.fromRow(row as Parameters<typeof messageTextRows.fromRow>[0]);
      });
    },
  };
}

async function written(record: ConversationRecord, pages: ReturnType<typeof source>, size: number): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of conversationJson(record, pages, size)) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}

/** A tree: each message under a random earlier one (branches), text of any unicode. */
const metadata = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('12', '0', '__proto__', 'model_slug', '4294967295')),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 5 },
);
const seconds = fc.option(fc.double({ min: 0, max: 2e9, noNaN: true }), { nil: null });
const fields = fc.record({
  metadata,
  createTime: seconds,
  updateTime: seconds,
  weight: fc.constantFrom(0, 1, 0.5, 1e-7),
  endTurn: fc.constantFrom(null, true, false),
  authorName: fc.constantFrom(null, 'browser', 'é "quoted"'),
});
const trees = fc
  .array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 30 }), fc.boolean(), fields), { maxLength: 60 })
  .map((specs) => {
    const messages = [rootMessage('c1')];
    specs.forEach(([parentPick, text, extra, more], index) => {
      const parent = messages[parentPick % messages.length] as MessageRecord;
      messages.push(
        message('c1', `m-${index}-é`, parent.id, {
          role: index % 2 ? 'assistant' : 'user',
          parts: [text],
          ...more,
          ...(extra && { extras: { set: { recipient: 'browser', weird_key: [text] }, absent: ['end_turn'] } }),
        }),
      );
    });
    return messages;
  });

/** The wire conversation's JSON as the object path writes it from the same rows (JSON columns parsed). */
const expected = (record: ConversationRecord, messages: MessageRecord[]) =>
  JSON.stringify(toWireConversation(record, messages.map(messageRows.roundTrip)));

test('the pieces are JSON.stringify of the wire conversation, for any tree, extras and page size', async () => {
  const extras = fc.option(
    fc.record({
      set: fc.dictionary(fc.constantFrom('gizmo_id', 'plugin_ids', 'new_key', 'safe_urls'), fc.jsonValue()),
      absent: fc.subarray(['moderation_results', 'conversation_template_id', 'title']),
    }),
    { nil: undefined },
  );
  await fc.assert(
    fc.asyncProperty(trees, extras, fc.integer({ min: 1, max: 25 }), async (messages, wireExtras, size) => {
      const record = conversation(wireExtras);
      const pages = source(messages);
      assert.ok(canWriteInPages(record, pages.index.links));
      assert.equal(await written(record, pages, size), expected(record, messages));
    }),
    { numRuns: 150 },
  );
});

test('ids a JSON object would reorder, or a replaced mapping, are not written in pages', () => {
  const root = rootMessage('c1');
  const links = (ids: string[]) => ids.map((id, index) => ({ seq: index + 1, id, parentId: index ? root.id : null }));
  assert.equal(canWriteInPages(conversation(), links([root.id, 'a', 'b'])), true);
  assert.equal(canWriteInPages(conversation(), links([root.id, '12'])), false);
  assert.equal(canWriteInPages(conversation(), links([root.id, '__proto__'])), false);
  assert.equal(canWriteInPages(conversation(), links([root.id, '012', '1e3', '-1'])), true);
  assert.equal(canWriteInPages(conversation({ set: { mapping: {} } }), links([root.id])), false);
  assert.equal(canWriteInPages(conversation({ absent: ['mapping'] }), links([root.id])), false);
});

test('links read in parts are indexed as childrenIndex indexes them all at once', async () => {
  await fc.assert(
    fc.asyncProperty(trees, fc.integer({ min: 1, max: 20 }), async (messages, perRead) => {
      const { links } = source(messages).index;
      const reads: number[] = [];
      const index = await readLinks(async (afterSeq, limit) => {
        reads.push(afterSeq);
        return links.filter((link) => link.seq > afterSeq).slice(0, limit);
      }, perRead);
      assert.deepEqual(index.links, links);
      assert.deepEqual([...index.children], [...childrenIndex(messages)]);
      for (const link of links) assert.equal(index.seqOf(link.id), link.seq);
      assert.equal(index.seqOf('absent'), undefined);
      // One read per `perRead` links, and one more that comes back short.
      assert.equal(reads.length, Math.floor(messages.length / perRead) + 1);
    }),
    { numRuns: 150 },
  );
});

test('a message added while the pieces are written is left out, with the children read before', async () => {
  const messages = [rootMessage('c1'), message('c1', 'u1', 'c1-root'), message('c1', 'a1', 'u1')];
  const late = message('c1', 'u2', 'a1');
  const text = await written(conversation(), source(messages, [late]), 2);
  assert.equal(text, expected(conversation(), messages));
});

test('a message deleted while the pieces are written leaves no gap and no node written twice', async () => {
  await fc.assert(
    fc.asyncProperty(trees, fc.integer({ min: 1, max: 7 }), fc.nat(), async (messages, size, pick) => {
      const deletable = messages.slice(1);
      const deleted = new Set(deletable.filter((_, index) => (index * 7 + pick) % 5 === 0).map(({ id }) => id));
      const text = await written(conversation(), source(messages, [], deleted), size);
      const mapping = (JSON.parse(text) as { mapping: Record<string, { children: string[] }> }).mapping;
      const kept = messages.filter(({ id }) => !deleted.has(id)).map(({ id }) => id);
      assert.deepEqual(Object.keys(mapping), kept);
      for (const id of kept) assert.equal(text.split(`${JSON.stringify(id)}:{"id":`).length, 2, `${id} once`);
    }),
    { numRuns: 150 },
  );
});

test('a conversation held whole is encoded to the bytes of JSON.stringify, a node at a time', () => {
  const windowed = (record: ConversationRecord, messages: MessageRecord[], window: unknown) => ({
    ...toWireConversation(record, messages.map(messageRows.roundTrip)),
    window,
  });
  fc.assert(
    fc.property(trees, fc.jsonValue({ maxDepth: 2 }), (messages, window) => {
      const wire = windowed(conversation(), messages, window);
      assert.deepEqual(conversationBytes(wire), Buffer.from(JSON.stringify(wire)));
    }),
    { numRuns: 150 },
  );
  // Members JSON leaves out or writes whole: undefined values, an empty mapping, a mapping that is not an object.
  for (const wire of [
    { title: undefined, mapping: {}, a: () => 1 },
    { mapping: { b: undefined, c: 1, '2': [null], __proto__x: '\ud800' } },
    { mapping: null },
    { mapping: [1, 2] },
    { mapping: { toJSON: () => 'replaced' } },
    {},
  ]) {
    assert.equal(conversationBytes(wire).toString('utf8'), JSON.stringify(wire));
  }
});

test('nodes held as JSON text (a window) are written as they are, and parse back for anyone else', () => {
  fc.assert(
    fc.property(trees, (messages) => {
      const wire = toWireConversation(conversation(), messages.map(messageRows.roundTrip));
      const texts = source(messages);
      const children = childrenIndex(texts.index.links);
      const mapping = Object.fromEntries(
        messages.map((record) => {
          const row = { extras: null, ...messageRows.toRow(record), owner_id: 'ann', seq: 0 };
          const text = messageTextRows.fromRow(row as Parameters<typeof messageTextRows.fromRow>[0]);
          return [record.id, new JsonText(wireNodeJson(text, children.get(record.id) ?? []))];
        }),
      );
      const held = { ...wire, mapping };
      assert.equal(conversationBytes(held).toString('utf8'), JSON.stringify(wire));
      assert.equal(JSON.stringify(held), JSON.stringify(wire));
    }),
    { numRuns: 150 },
  );
});
