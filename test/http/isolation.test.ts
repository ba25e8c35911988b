/**
 * User isolation over real loopback HTTP on SQLite and PostgreSQL (docs/security.md, patterns 1 and
 * 6): Bob, with his own valid token, gets the same 404 for every route that names Alice's
 * conversation or messages as for ids that do not exist, under both API prefixes; a canary from her
 * messages and title never reaches him; nothing of hers changes. Two users replaying the same client
 * message ids get separate conversations, and a deleted conversation is gone for its owner too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomIds } from '../../src/ids.js';
import { seedFirstTurn } from '../fixtures/seed/seed-bodies.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

/** The client ids of ChatGPT's recorded December-2023 first turn (test/fixtures/seed/), replayed verbatim. */
const seedMessageId = 'aaa27fdc-adfc-4e97-8383-7be26db9xxxx';
const seedParentId = 'aaa1625d-8249-4412-9825-004c3144xxxx';
const prefixes = ['/backend-api', '/api'] as const;
const notFound = { detail: { message: 'Conversation not found', code: 'conversation_not_found' } };

/** The ids a request can name: a conversation, its first answer, the variant answer, the user message. */
interface Target {
  id: string;
  assistantId: string;
  variantId: string;
  userMessageId: string;
}

interface Attempt {
  name: string;
  method: string;
  path: string;
  json?: unknown;
}

/** Every request that names the target's conversation or messages, under `prefix`. */
function attempts(prefix: string, target: Target): Attempt[] {
  const conversation = `${prefix}/conversation/${target.id}`;
  const turn = (name: string, json: Record<string, unknown>): Attempt => ({
    name,
    method: 'POST',
    path: `${prefix}/conversation`,
    json: { conversation_id: target.id, ...json },
  });
  const feedback = (name: string, messageId: string): Attempt => ({
    name,
    method: 'POST',
    path: `${prefix}/conversation/message_feedback`,
    json: { message_id: messageId, conversation_id: target.id, rating: 'thumbsDown', text: 'bad' },
  });
  return [
    { name: 'GET', method: 'GET', path: conversation },
    { name: 'PATCH title', method: 'PATCH', path: conversation, json: { title: 'Renamed by someone else' } },
    { name: 'PATCH is_visible', method: 'PATCH', path: conversation, json: { is_visible: false } },
    { name: 'PATCH is_archived', method: 'PATCH', path: conversation, json: { is_archived: true } },
    { name: 'PATCH current_node', method: 'PATCH', path: conversation, json: { current_node: target.variantId } },
    { name: 'DELETE', method: 'DELETE', path: conversation },
    {
      name: 'gen_title',
      method: 'POST',
      path: `${prefix}/conversation/gen_title/${target.id}`,
      json: { message_id: target.assistantId },
    },
    turn('next', {
      action: 'next',
      parent_message_id: target.assistantId,
      messages: [userMessage('Written by someone else')],
    }),
    turn('next under the root', { ...seedFirstTurn, action: 'next', parent_message_id: seedParentId }),
    turn('variant', {
      action: 'variant',
      parent_message_id: seedParentId,
      messages: [userMessage('x', target.userMessageId)],
    }),
    turn('continue', { action: 'continue', parent_message_id: target.assistantId }),
    feedback('feedback on the answer', target.assistantId),
    feedback('feedback on the user message', target.userMessageId),
  ];
}

async function attempt(server: TestServer, as: TestUser, request: Attempt): Promise<{ status: number; text: string }> {
  const init = { method: request.method, as, ...(request.json !== undefined && { json: request.json }) };
  const response = await server.request(request.path, init);
  return { status: response.status, text: await response.text() };
}

/** The body with the target's ids replaced by names, to compare answers about different ids. */
function withoutIds(text: string, target: Target): string {
  return text
    .replaceAll(target.id, '<conversation>')
    .replaceAll(target.assistantId, '<assistant>')
    .replaceAll(target.variantId, '<variant>');
}

function ghostOf(target: Target): Target {
  return {
    id: randomIds.uuid(),
    assistantId: randomIds.uuid(),
    variantId: randomIds.uuid(),
    userMessageId: target.userMessageId,
  };
}

async function getConversation(
  server: TestServer,
  as: TestUser,
  id: string,
): Promise<{ status: number; text: string }> {
  return attempt(server, as, { name: 'GET', method: 'GET', path: `/backend-api/conversation/${id}`, json: undefined });
}

async function listIds(
  server: TestServer,
  as: TestUser,
  query = '',
): Promise<{ total: number; ids: string[]; text: string }> {
  const response = await server.request(`/backend-api/conversations${query}`, { as });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const page = JSON.parse(text) as { total: number; items: Array<{ id: string }> };
  return { total: page.total, ids: page.items.map((item) => item.id), text };
}

interface MappingNode {
  message: { content: { parts: string[] } } | null;
}

function userText(conversationText: string, messageId: string): string | undefined {
  const conversation = JSON.parse(conversationText) as { mapping: Record<string, MappingNode> };
  return conversation.mapping[messageId]?.message?.content.parts[0];
}

forEachDatabase((kind) => {
  let server: TestServer;
  let target: Target;
  let canary: string;
  /** Alice's conversation as she saw it right after setting it up. */
  let aliceView: string;

  before(async () => {
    server = await startTestServer(kind);
    const { alice } = server;
    canary = `CANARY-ALICE-${randomIds.hex(16)}`;
    const question = `${canary} what is the capital of France?`;
    const first = await sendTurn(server, alice, { ...seedFirstTurn, messages: [userMessage(question, seedMessageId)] });
    const id = first.conversationId;
    const variant = await sendTurn(server, alice, {
      action: 'variant',
      conversation_id: id,
      parent_message_id: seedParentId,
      messages: [userMessage(question, seedMessageId)],
    });
    target = { id, assistantId: first.final.id, variantId: variant.final.id, userMessageId: seedMessageId };
    const title = await server.request(`/backend-api/conversation/gen_title/${id}`, {
      method: 'POST',
      as: alice,
      json: { message_id: first.final.id },
    });
    assert.equal(title.status, 200);
    const renamed = await server.request(`/backend-api/conversation/${id}`, {
      method: 'PATCH',
      as: alice,
      json: { title: `${canary} title` },
    });
    assert.equal(renamed.status, 200);
    aliceView = (await getConversation(server, alice, id)).text;
    assert.ok(aliceView.includes(canary));
  });
  after(() => server.close());

  test(`${kind}: Bob gets the same 404 for Alice's conversation as for one that does not exist`, async () => {
    const digest = await server.db.digest();
    const ghost = ghostOf(target);
    for (const prefix of prefixes) {
      const real = attempts(prefix, target);
      const fake = attempts(prefix, ghost);
      for (const [index, request] of real.entries()) {
        const label = `${request.method} ${prefix} ${request.name}`;
        const answer = await attempt(server, server.bob, request);
        assert.equal(answer.status, 404, `${label}: ${answer.text}`);
        assert.ok(!answer.text.includes(canary), `${label} revealed the canary`);
        const ghostRequest = fake[index];
        assert.ok(ghostRequest);
        const ghostAnswer = await attempt(server, server.bob, ghostRequest);
        assert.equal(
          withoutIds(answer.text, target),
          withoutIds(ghostAnswer.text, ghost),
          `${label}: differs from a missing conversation`,
        );
        if (!request.name.startsWith('feedback')) assert.deepEqual(JSON.parse(answer.text), notFound, label);
      }
    }
    assert.equal(await server.db.digest(), digest, "Bob's attempts changed the database");
    assert.equal((await getConversation(server, server.alice, target.id)).text, aliceView);
  });

  test(`${kind}: Bob's lists never show Alice's conversation, and his clear-all leaves it alone`, async () => {
    const { alice, bob } = server;
    for (const prefix of prefixes) {
      for (const query of ['', '?is_archived=true', '?order=created&limit=100', '?offset=0&limit=28&order=updated']) {
        const response = await server.request(`${prefix}/conversations${query}`, { as: bob });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        assert.ok(!text.includes(canary) && !text.includes(target.id), `${prefix} ${query} shows Alice's conversation`);
        assert.equal((JSON.parse(text) as { total: number }).total, 0, `${prefix} ${query}`);
      }
    }
    const digest = await server.db.digest();
    for (const prefix of prefixes) {
      const cleared = await server.request(`${prefix}/conversations`, {
        method: 'PATCH',
        as: bob,
        json: { is_visible: false },
      });
      assert.deepEqual(await cleared.json(), { success: true });
      const deleted = await server.request(`${prefix}/conversations`, { method: 'DELETE', as: bob });
      assert.deepEqual(await deleted.json(), { success: true });
    }
    assert.equal(await server.db.digest(), digest, "Bob's clear-all changed the database");
    const aliceList = await listIds(server, alice);
    assert.deepEqual(aliceList.ids, [target.id]);
    assert.ok(aliceList.text.includes(`${canary} title`), 'Alice kept her title');
    assert.equal((await getConversation(server, alice, target.id)).text, aliceView);
  });

  test(`${kind}: two users replaying the same client message ids get separate conversations`, async () => {
    const { alice, bob } = server;
    const texts = { alice: `ALICE-REPLAY-${randomIds.hex(12)}`, bob: `BOB-REPLAY-${randomIds.hex(12)}` };
    const mine = await sendTurn(server, alice, {
      ...seedFirstTurn,
      messages: [userMessage(texts.alice, seedMessageId)],
    });
    const his = await sendTurn(server, bob, { ...seedFirstTurn, messages: [userMessage(texts.bob, seedMessageId)] });
    assert.notEqual(mine.conversationId, his.conversationId);
    const aliceSees = (await getConversation(server, alice, mine.conversationId)).text;
    const bobSees = (await getConversation(server, bob, his.conversationId)).text;
    assert.equal(userText(aliceSees, seedMessageId), texts.alice);
    assert.equal(userText(bobSees, seedMessageId), texts.bob);
    assert.ok(!aliceSees.includes(texts.bob) && !bobSees.includes(texts.alice));
    assert.ok(!bobSees.includes(canary));
    assert.equal((await getConversation(server, alice, his.conversationId)).status, 404);
    assert.equal((await getConversation(server, bob, mine.conversationId)).status, 404);
    const bobFollowUp = await sendTurn(server, bob, {
      action: 'next',
      conversation_id: his.conversationId,
      parent_message_id: his.final.id,
      messages: [userMessage('and then?')],
    });
    assert.equal(bobFollowUp.conversationId, his.conversationId);
    assert.deepEqual((await listIds(server, bob)).ids, [his.conversationId]);
    assert.equal((await getConversation(server, alice, target.id)).text, aliceView);
    assert.deepEqual(await checkTreeInvariants(server.db.config), []);
  });

  test(`${kind}: a deleted conversation is 404 for its owner too, and gone from the list`, async () => {
    const { alice } = server;
    const first = await sendTurn(server, alice, {
      action: 'next',
      messages: [userMessage(`CANARY-DELETED-${randomIds.hex(8)}`)],
    });
    const variant = await sendTurn(server, alice, {
      action: 'variant',
      conversation_id: first.conversationId,
      parent_message_id: first.final.metadata.parent_id,
      messages: [userMessage('x', String(first.final.metadata.parent_id))],
    });
    const deleted: Target = {
      id: first.conversationId,
      assistantId: first.final.id,
      variantId: variant.final.id,
      userMessageId: String(first.final.metadata.parent_id),
    };
    const hide = await server.request(`/backend-api/conversation/${deleted.id}`, {
      method: 'PATCH',
      as: alice,
      json: { is_visible: false },
    });
    assert.deepEqual(await hide.json(), { success: true });
    const digest = await server.db.digest();
    for (const prefix of prefixes) {
      const requests = [
        ...attempts(prefix, deleted).filter((request) => !request.name.startsWith('feedback')),
        {
          name: 'PATCH is_visible true',
          method: 'PATCH',
          path: `${prefix}/conversation/${deleted.id}`,
          json: { is_visible: true },
        },
      ];
      for (const request of requests) {
        const answer = await attempt(server, alice, request);
        assert.equal(answer.status, 404, `${request.method} ${prefix} ${request.name}: ${answer.text}`);
        assert.deepEqual(JSON.parse(answer.text), notFound, `${request.method} ${prefix} ${request.name}`);
      }
    }
    assert.equal(await server.db.digest(), digest, 'requests on the deleted conversation changed the database');
    for (const query of ['', '?is_archived=true', '?limit=100']) {
      assert.ok(!(await listIds(server, alice, query)).ids.includes(deleted.id), `listed with ${query}`);
    }
    assert.equal((await getConversation(server, alice, target.id)).text, aliceView);
  });

  test(`${kind}: feedback on a message of a deleted conversation is 404 and stores nothing`, async () => {
    const { alice } = server;
    const turn = await sendTurn(server, alice, { action: 'next', messages: [userMessage('Soon deleted')] });
    const hide = await server.request(`/backend-api/conversation/${turn.conversationId}`, {
      method: 'DELETE',
      as: alice,
    });
    assert.deepEqual(await hide.json(), { success: true });
    const digest = await server.db.digest();
    for (const prefix of prefixes) {
      const request = attempts(prefix, {
        id: turn.conversationId,
        assistantId: turn.final.id,
        variantId: turn.final.id,
        userMessageId: turn.final.id,
      }).find((candidate) => candidate.name === 'feedback on the answer');
      assert.ok(request);
      const answer = await attempt(server, alice, request);
      assert.equal(answer.status, 404, `${prefix}: ${answer.text}`);
    }
    assert.equal(await server.db.digest(), digest, 'feedback on a deleted conversation was stored');
  });
});
