/**
 * `GET conversation/{id}` reads the conversation, then its messages: an answer discarded between the
 * two reads (its message deleted, the current node moved back to its parent — what a turn whose
 * client left before it started does) must not give a tree whose `current_node` no node holds. The
 * interleaving is forced: the store's message read first runs the discard, on every database, for
 * the whole form, a conversation long enough to be written in pages, and the windowed form.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConversationService } from '../../src/conversation/conversation-service.js';
import type { WireConversation } from '../../src/protocol/wire-types.js';
import type { MessageRecord, Store } from '../../src/store/store.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';
import { message } from '../store/store-fixtures.js';

/** The store, except that the first call of `method` first runs `meanwhile` (a write by someone else). */
function interleaved(store: Store, method: keyof Store, meanwhile: () => Promise<void>): Store {
  let pending = true;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (pending) {
          pending = false;
          await meanwhile();
        }
        return value.apply(target, args);
      };
    },
  });
}

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(kind);
  });
  after(() => server.close());

  /** A conversation of one exchange (plus `extra` more messages under its root); its answer and question. */
  async function conversation(extra = 0) {
    const turn = await sendTurn(server, server.alice, { action: 'next', messages: [userMessage('Hello?')] });
    const { store } = server.deps;
    const owner = server.alice.id;
    const id = turn.conversationId;
    const answer = turn.final.id;
    const question = (await store.getMessage(owner, id, answer))?.parentId ?? '';
    const root = (await store.getConversation(owner, id))?.rootId ?? '';
    const records: MessageRecord[] = [];
    for (let index = 0; index < extra; index++)
      records.push(message(id, crypto.randomUUID(), root, { parts: [`${index}`] }));
    for (let start = 0; start < records.length; start += 500) {
      assert.ok(await store.insertMessages(owner, records.slice(start, start + 500)));
    }
    return { id, answer, question };
  }

  /** What discarding the answer does (conversation-service.ts, `discardAnswer`). */
  function discard(id: string, answer: string, question: string) {
    return () =>
      server.deps.store.transaction(async (tx) => {
        await tx.deleteMessage(server.alice.id, id, answer);
        await tx.updateConversation(server.alice.id, id, { currentNode: question });
      });
  }

  function service(store: Store): ConversationService {
    return new ConversationService({ ...server.deps, store, instanceId: 'test', leaseMs: 15_000 });
  }

  async function wholeJson(read: Awaited<ReturnType<ConversationService['read']>>): Promise<WireConversation> {
    if (!(Symbol.asyncIterator in read)) return read;
    const pieces: Buffer[] = [];
    for await (const piece of read) pieces.push(piece);
    return JSON.parse(Buffer.concat(pieces).toString('utf8')) as WireConversation;
  }

  for (const [what, extra] of [
    ['a short conversation', 0],
    ['one longer than the first read', 300],
    ['one written in pages', 1_100],
  ] as const) {
    test(`${kind}: ${what}, its answer discarded between the reads: current_node is in the mapping`, async () => {
      const { id, answer, question } = await conversation(extra);
      const store = interleaved(server.deps.store, 'listMessagesAfter', discard(id, answer, question));
      const read = await wholeJson(await service(store).read(server.alice.id, id));
      assert.equal(read.current_node, question);
      assert.ok(Object.hasOwn(read.mapping, question));
      assert.ok(!Object.hasOwn(read.mapping, answer), 'the discarded answer is gone');
      assert.deepEqual(read.mapping[question]?.children, []);
    });
  }

  test(`${kind}: the windowed form, its answer discarded between the reads: current_node is in the mapping`, async () => {
    const { id, answer, question } = await conversation();
    const store = interleaved(server.deps.store, 'pathWithChildIds', discard(id, answer, question));
    const read = await service(store).readWindow(server.alice.id, id, { tail: 100 });
    assert.equal(read.current_node, question);
    assert.ok(Object.hasOwn(read.mapping, question));
    assert.equal(read.window.last_node, question);
  });
});
