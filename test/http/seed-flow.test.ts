/**
 * Replays ChatGPT's December-2023 web app request flow (docs/web-ui.md) with its recorded bodies
 * (test/fixtures/seed/) against a real server on loopback, on SQLite and on PostgreSQL, and checks the
 * documented shapes at each step; then grows the tree with three turns, a variant, an edit and a continue.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedAnalyticsBatch, seedFirstTurn, seedLatencyReport, seedNextTurn } from '../fixtures/seed/seed-bodies.js';
import { forEachDatabase } from '../helpers/databases.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { demoProvider, startTestServer, type TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const isoMicros = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

interface Mapping {
  [id: string]: {
    id: string;
    message: null | {
      author: { role: string };
      content: { parts: string[] };
      metadata: Record<string, unknown>;
      weight: number;
      status: string;
    };
    parent: string | null;
    children: string[];
  };
}

forEachDatabase((kind) => {
  let server: TestServer;
  let upstream: FakeUpstream;

  before(async () => {
    upstream = await startFakeUpstream({ models: ['tiny-model'] });
    server = await startTestServer(kind, {
      providers: [
        demoProvider,
        {
          type: 'openai-compatible',
          id: 'fake',
          baseUrl: upstream.url,
          models: [{ id: 'tiny-model', maxOutputTokens: 8, contextWindow: 4096 }],
        },
      ],
    });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  test(`${kind}: the recorded new-chat requests answer with the documented shapes`, async () => {
    const prompts = await server.request('/backend-api/prompt_library/?limit=4&offset=0', { as: server.alice });
    assert.equal(prompts.status, 200);
    const library = (await prompts.json()) as {
      items: Array<Record<string, string>>;
      total: number;
      limit: number;
      offset: number;
    };
    assert.equal(library.items.length, 4);
    assert.equal(library.limit, 4);
    assert.equal(library.offset, 0);
    for (const item of library.items) {
      assert.match(item.id ?? '', /^[0-9a-f]{8}$/);
      for (const field of ['title', 'description', 'prompt']) assert.ok((item[field] ?? '').length > 0, field);
    }

    const batch = await server.request('/ces/v1/b', { method: 'POST', as: server.alice, json: seedAnalyticsBatch });
    assert.equal(batch.status, 200);
    assert.deepEqual(await batch.json(), { success: true });
    await server.deps.telemetry.flush();
    const stored = await server.deps.store.listAnalyticsEvents(server.alice.id);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.userId, server.alice.id);
    assert.equal(stored[0]?.claimedUserId, 'user-IUW2uKHQ6bwv4bdiI8IYxxxx');
    assert.equal(stored[0]?.event, 'Show Starter Prompts');
  });

  test(`${kind}: three turns, variant, edit and continue build the tree the mapping shows`, async () => {
    const check = await server.request('/backend-api/accounts/check/v4-2023-04-27', { as: server.alice });
    const account = (await check.json()) as {
      accounts: Record<string, { features: string[]; account: { account_id: string } }>;
      account_ordering: string[];
    };
    const accountId = account.account_ordering[0] ?? '';
    assert.deepEqual(account.accounts.default, account.accounts[accountId]);
    assert.ok(account.accounts.default?.features.includes('starter_prompts'));

    // Turn 1: the recorded body exactly.
    const first = await sendTurn(server, server.alice, seedFirstTurn);
    assert.equal(first.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.match(first.conversationId, uuidV4);
    assert.match(first.final.id, uuidV4);
    assert.equal(first.final.author.role, 'assistant');
    assert.equal(first.final.status, 'finished_successfully');
    assert.equal(first.final.end_turn, true);
    assert.deepEqual(first.final.metadata.finish_details, { type: 'stop', stop_tokens: [100260] });
    assert.equal(first.final.metadata.parent_id, 'aaa27fdc-adfc-4e97-8383-7be26db9xxxx');
    assert.equal(first.messageEvents[0]?.message.content.parts[0], '');
    assert.ok(
      !('finish_details' in (first.messageEvents[1]?.message.metadata ?? {})),
      'no finish_details while in progress',
    );
    assert.ok(first.messageEvents.length >= 3, 'the reply streams in several events');
    const texts = first.messageEvents.map((event) => event.message.content.parts[0] ?? '');
    for (const [index, text] of texts.entries()) {
      assert.ok(index === 0 || text.startsWith(texts[index - 1] ?? ''), 'parts are cumulative');
    }
    const moderation = first.stream.payloads.at(-1) as {
      message_id: string;
      is_completion: boolean;
      conversation_id: string;
    };
    assert.equal(moderation.message_id, first.final.id);
    assert.equal(moderation.is_completion, true);
    assert.ok(first.stream.raw.endsWith('data: [DONE]\n\n'));
    assert.match(first.stream.raw, /^[\x20-\x7e\n]*$/, 'ASCII-only stream');

    const list = await server.request('/backend-api/conversations?offset=0&limit=28&order=updated', {
      as: server.alice,
    });
    const page = (await list.json()) as {
      items: Array<Record<string, unknown>>;
      total: number;
      limit: number;
      offset: number;
      has_missing_conversations: boolean;
    };
    assert.equal(page.total, 1);
    assert.deepEqual(Object.keys(page.items[0] ?? {}), [
      'id',
      'title',
      'create_time',
      'update_time',
      'mapping',
      'current_node',
      'conversation_template_id',
      'gizmo_id',
      'is_archived',
      'workspace_id',
    ]);
    assert.equal(page.items[0]?.title, 'New chat');
    assert.match(String(page.items[0]?.create_time), isoMicros);
    assert.equal(page.has_missing_conversations, false);

    const latency = await server.request('/backend-api/lat/r', {
      method: 'POST',
      as: server.alice,
      json: seedLatencyReport,
    });
    assert.deepEqual(await latency.json(), { status: 'success' });

    const title = await server.request(`/backend-api/conversation/gen_title/${first.conversationId}`, {
      method: 'POST',
      as: server.alice,
      json: { message_id: first.final.id },
    });
    const titled = (await title.json()) as { title: string };
    assert.ok(titled.title.length > 0 && titled.title.length <= 80, titled.title);
    const again = await server.request(`/backend-api/conversation/gen_title/${first.conversationId}`, {
      method: 'POST',
      as: server.alice,
      json: { message_id: first.final.id },
    });
    assert.deepEqual(await again.json(), {
      message: `Conversation ${first.conversationId} already has title '${titled.title}'`,
    });

    // Turns 2 and 3: the recorded continuing body with the ids the server returned.
    const second = await sendTurn(server, server.alice, seedNextTurn(first.conversationId, first.final.id));
    assert.equal(second.conversationId, first.conversationId);
    const thirdBody = {
      ...seedNextTurn(first.conversationId, second.final.id),
      messages: [userMessage('And one more?', 'aaa30000-1111-4222-8333-444455556666')],
    };
    const third = await sendTurn(server, server.alice, thirdBody);

    // Variant: the same user message, its parent as parent_message_id → a sibling answer.
    const variant = await sendTurn(server, server.alice, { ...thirdBody, action: 'variant' });
    assert.equal(variant.final.metadata.parent_id, 'aaa30000-1111-4222-8333-444455556666');
    assert.equal(variant.final.metadata.message_type, 'variant');
    assert.notEqual(variant.final.id, third.final.id);

    // Edit: a new user message under the edited one's parent → a branch.
    const edit = await sendTurn(server, server.alice, {
      ...thirdBody,
      messages: [userMessage('An edited question', 'aaa40000-1111-4222-8333-444455556666')],
    });

    // Continue: a reply cut by max tokens, then a continuation as its child.
    upstream.script({
      kind: 'reply',
      text: 'Once upon a time, in a land far away, there lived a very long story indeed.',
    });
    const cutBody = {
      ...seedNextTurn(first.conversationId, edit.final.id),
      model: 'tiny-model',
      messages: [userMessage('Tell me a long story', 'aaa50000-1111-4222-8333-444455556666')],
    };
    const longCut = await sendTurn(server, server.alice, cutBody);
    assert.deepEqual(longCut.final.metadata.finish_details, { type: 'max_tokens' });
    assert.equal(longCut.final.end_turn, false);
    const continued = await sendTurn(server, server.alice, {
      action: 'continue',
      conversation_id: first.conversationId,
      parent_message_id: longCut.final.id,
      model: 'tiny-model',
    });
    assert.equal(continued.final.metadata.parent_id, longCut.final.id);
    assert.equal(continued.final.metadata.message_type, 'continue');
    const continuation = upstream.lastChat()?.body as { messages: Array<{ role: string; content: string }> };
    assert.equal(continuation.messages.at(-1)?.role, 'assistant', 'the cut-off answer is what the model continues');

    const detail = await server.request(`/backend-api/conversation/${first.conversationId}`, { as: server.alice });
    const conversation = (await detail.json()) as {
      mapping: Mapping;
      current_node: string;
      title: string;
      conversation_id: string;
      create_time: number;
    };
    const mapping = conversation.mapping;
    const ids = Object.keys(mapping);
    const root = mapping['aaa1625d-8249-4412-9825-004c3144xxxx'];
    assert.equal(
      ids[0],
      'aaa1625d-8249-4412-9825-004c3144xxxx',
      'the client parent id is the root, first in the mapping',
    );
    assert.deepEqual(root && { message: root.message, parent: root.parent }, { message: null, parent: null });
    const system = mapping[ids[1] ?? ''];
    assert.equal(system?.message?.author.role, 'system');
    assert.equal(system?.message?.weight, 0);
    assert.deepEqual(system?.children, ['aaa27fdc-adfc-4e97-8383-7be26db9xxxx']);
    assert.deepEqual(mapping['aaa30000-1111-4222-8333-444455556666']?.children, [third.final.id, variant.final.id]);
    assert.deepEqual(mapping[second.final.id]?.children, [
      'aaa30000-1111-4222-8333-444455556666',
      'aaa40000-1111-4222-8333-444455556666',
    ]);
    assert.deepEqual(mapping[longCut.final.id]?.children, [continued.final.id]);
    assert.equal(conversation.current_node, continued.final.id);
    assert.equal(conversation.title, titled.title);
    assert.equal(conversation.conversation_id, first.conversationId);
    for (const node of Object.values(mapping)) assert.ok(Array.isArray(node.children));
    assert.deepEqual(await checkTreeInvariants(server.db.config), []);
  });
});
