/**
 * `GET conversation/{id}` of a conversation long enough to be written a page of messages at a time
 * (src/conversation/conversation-json.ts), over real HTTP on every database: the body is byte for byte
 * `JSON.stringify` of the wire conversation built from all its rows, branches and imported extras
 * included, and sent in chunks; one longer than the first read but under the paging threshold is the
 * same bytes in one body; another user gets the same 404 as for a conversation that does not exist; a
 * continued turn on it still works.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { toWireConversation } from '../../src/conversation/wire-format.js';
import type { MessageRecord } from '../../src/store/store.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';
import { message, newConversation, rootMessage } from '../store/store-fixtures.js';

/** Above the 1,000 messages from which the GET writes in pages. */
const messageCount = 1_250;

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(kind);
  });
  after(() => server.close());

  /** A conversation of `count` messages under the root (a few branches, a few imported extras); its id and leaf. */
  async function longConversation(count: number) {
    const { store } = server.deps;
    const owner = server.alice.id;
    const id = randomUUID();
    await store.createConversation(newConversation(owner, id, { title: 'Long — ünïcode 😀' }));
    const records: MessageRecord[] = [rootMessage(id)];
    let parent = `${id}-root`;
    for (let index = 0; index < count; index++) {
      const branch = index % 97 === 5 ? (records.at(-3)?.id ?? parent) : parent;
      const record = message(id, randomUUID(), branch, {
        role: index % 2 ? 'assistant' : 'user',
        parts: [`message ${index}: “quoted” \u2028 ${'é'.repeat(index % 7)}`],
        ...(index % 250 === 3 && { extras: { set: { recipient: 'python', extra_field: { n: index } } } }),
      });
      records.push(record);
      parent = record.id;
    }
    for (let start = 0; start < records.length; start += 500) {
      assert.equal(await store.insertMessages(owner, records.slice(start, start + 500)), true);
    }
    await store.updateConversation(owner, id, { currentNode: parent, updateTime: 1_700_000_200 });
    return { id, leaf: parent };
  }

  /** GETs the conversation and checks it is byte for byte the whole conversation built at once. */
  async function assertWholeJson(id: string, count: number) {
    const { store } = server.deps;
    const owner = server.alice.id;
    const response = await server.request(`/backend-api/conversation/${id}`, { as: server.alice });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = await response.text();
    const conversation = await store.getConversation(owner, id);
    assert.ok(conversation);
    const expected = JSON.stringify(toWireConversation(conversation, await store.listMessages(owner, id)));
    assert.equal(body.length, expected.length);
    assert.ok(body === expected, 'the same bytes as the whole conversation built at once');
    assert.equal(Object.keys((JSON.parse(body) as { mapping: object }).mapping).length, count + 1);
    return response;
  }

  test(`${kind}: a conversation longer than the first read but not paged is sent whole, in one body`, async () => {
    const { id } = await longConversation(600);
    const response = await assertWholeJson(id, 600);
    assert.ok(response.headers.get('content-length'), 'built at once: its length is known');
  });

  test(`${kind}: a long conversation's GET is the whole conversation's JSON, written in pages`, async () => {
    const { id, leaf: parent } = await longConversation(messageCount);
    const response = await assertWholeJson(id, messageCount);
    assert.equal(response.headers.get('content-length'), null, 'written in pages: sent in chunks');

    const foreign = await server.request(`/backend-api/conversation/${id}`, { as: server.bob });
    const missing = await server.request(`/backend-api/conversation/${randomUUID()}`, { as: server.bob });
    assert.equal(foreign.status, 404);
    assert.equal(await foreign.text(), await missing.text());

    const turn = await sendTurn(server, server.alice, {
      action: 'next',
      conversation_id: id,
      parent_message_id: parent,
      messages: [userMessage('and one more')],
    });
    assert.equal(turn.response.status, 200);
    assert.equal(turn.conversationId, id);
  });
});
