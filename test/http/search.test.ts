/**
 * `GET /backend-api/conversations/search` over real loopback HTTP on SQLite and PostgreSQL: the
 * response shape (docs/api.md, "Search"), conversations written by real turns (the answer is found
 * once it ends), edits through the API kept in step, 400s for bad input, 401 without credentials, and
 * another user's conversations never returned.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireSearchPage } from '../../src/protocol/search-types.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

forEachDatabase((kind) => {
  let server: TestServer;
  let aliceConversation: string;
  let answerText: string;
  let answerId: string;

  before(async () => {
    server = await startTestServer(kind);
    const turn = await sendTurn(server, server.alice, {
      action: 'next',
      model: 'demo',
      messages: [userMessage('Tell me about the quokka of Rottnest')],
    });
    aliceConversation = turn.conversationId;
    answerText = turn.final.content.parts.join(' ');
    answerId = turn.final.id;
    await sendTurn(server, server.bob, {
      action: 'next',
      model: 'demo',
      messages: [userMessage('My own quokka question')],
    });
  });
  after(() => server.close());

  async function search(query: string, as: TestUser = server.alice, prefix = '/backend-api'): Promise<WireSearchPage> {
    const response = await server.request(`${prefix}/conversations/search?${new URLSearchParams(query)}`, { as });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return (await response.json()) as WireSearchPage;
  }

  test(`${kind}: a word of a real turn is found, with the agreed shape`, async () => {
    const page = await search('query=quokka');
    assert.equal(page.cursor, null);
    assert.equal(page.items.length, 1);
    const [item] = page.items;
    assert.ok(item);
    assert.equal(item.conversation_id, aliceConversation);
    assert.equal(typeof item.current_node_id, 'string');
    assert.equal(typeof item.title, 'string');
    assert.equal(item.is_archived, false);
    assert.equal(typeof item.create_time, 'number');
    assert.equal(typeof item.update_time, 'number');
    assert.equal(item.payload.kind, 'message');
    // The demo answer quotes the question: either message may rank first.
    assert.ok(item.payload.snippet.includes('Tell me about the quokka of Rottnest'), item.payload.snippet);
    const { snippet, snippet_highlights: highlights } = item.payload;
    assert.ok(highlights.length >= 1);
    for (const [start, end] of highlights) assert.equal(snippet.slice(start, end), 'quokka');
    assert.deepEqual(Object.keys(item.payload), ['kind', 'message_id', 'snippet', 'snippet_highlights']);
    // The same under /api, and with a prefix of the word.
    assert.deepEqual((await search('query=QUOKK', server.alice, '/api')).items[0]?.conversation_id, aliceConversation);
  });

  test(`${kind}: the finished answer is indexed`, async () => {
    // A word only the demo answer has (it explains that no model is configured).
    assert.ok(answerText.includes('configured'), answerText);
    const page = await search('query=configured');
    const item = page.items.find((found) => found.conversation_id === aliceConversation);
    assert.equal(item?.payload.message_id, answerId);
    assert.equal(item?.payload.kind, 'message');
  });

  test(`${kind}: never another user's conversation`, async () => {
    const bobs = await search('query=quokka', server.bob);
    assert.equal(bobs.items.length, 1);
    assert.notEqual(bobs.items[0]?.conversation_id, aliceConversation);
    assert.deepEqual((await search('query=Rottnest', server.bob)).items, []);
  });

  test(`${kind}: renames and deletes through the API are followed at once`, async () => {
    const patch = (json: unknown) =>
      server.request(`/backend-api/conversation/${aliceConversation}`, { method: 'PATCH', as: server.alice, json });
    assert.equal((await patch({ title: 'Marsupial notes' })).status, 200);
    const byTitle = await search('query=marsupial');
    assert.equal(byTitle.items[0]?.payload.kind, 'title');
    assert.equal(byTitle.items[0]?.title, 'Marsupial notes');
    assert.deepEqual(byTitle.items[0]?.payload.snippet_highlights, [[0, 9]]);
    assert.equal((await patch({ is_archived: true })).status, 200);
    assert.equal((await search('query=marsupial')).items[0]?.is_archived, true);
    assert.equal((await patch({ is_visible: false })).status, 200);
    assert.deepEqual((await search('query=marsupial')).items, []);
    assert.deepEqual((await search('query=quokka')).items, []);
  });

  test(`${kind}: empty queries give an empty page; bad input is a 400 with a detail`, async () => {
    assert.deepEqual(await search(''), { items: [], cursor: null });
    assert.deepEqual(await search('query=%20%20'), { items: [], cursor: null });
    assert.deepEqual(await search('query=%22*%3A'), { items: [], cursor: null });
    const bad = [
      `query=${'a'.repeat(257)}`,
      'query=x&limit=0',
      'query=x&limit=51',
      'query=x&limit=ten',
      'query=x&cursor=%21%21',
      `query=x&cursor=${Buffer.from('[1]').toString('base64url')}`,
      'query[]=x',
    ];
    for (const query of bad) {
      const response = await server.request(`/backend-api/conversations/search?${query}`, { as: server.alice });
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { detail: unknown };
      assert.equal(typeof body.detail, 'string', query);
    }
    assert.equal((await search(`query=${'a'.repeat(256)}`)).items.length, 0);
  });

  test(`${kind}: no credentials → 401`, async () => {
    const response = await server.request('/backend-api/conversations/search?query=quokka');
    assert.equal(response.status, 401);
  });
});
