/** Every other backend-api endpoint over real HTTP, under both prefixes where they live there. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDatabase } from '../helpers/databases.js';
import { sessionAccessToken, startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

function firstTurn(text: string, extra: Record<string, unknown> = {}) {
  return {
    action: 'next',
    messages: [userMessage(text)],
    parent_message_id: crypto.randomUUID(),
    model: 'text-davinci-002-render-sha',
    ...extra,
  };
}

async function json<T>(response: Response): Promise<T> {
  assert.ok(response.status < 300, `HTTP ${response.status}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

interface ListPage {
  items: Array<{ id: string; title: string; is_archived: boolean; update_time: string }>;
  total: number;
  limit: number;
  offset: number;
}

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(kind, { config: { telemetryEnabled: true } });
  });
  after(() => server.close());

  const get = <T>(path: string, as: TestUser) => server.request(path, { as }).then((r) => json<T>(r));
  const send = <T>(method: string, path: string, as: TestUser, body: unknown) =>
    server.request(path, { method, as, json: body }).then((r) => json<T>(r));

  test(`${kind}: models list the configured providers, the demo clearly labelled`, async () => {
    for (const prefix of ['/backend-api', '/api']) {
      const models = await get<{ models: Array<Record<string, unknown>>; categories: Array<Record<string, unknown>> }>(
        `${prefix}/models`,
        server.bob,
      );
      assert.equal(models.models[0]?.slug, 'demo');
      assert.equal(models.models[0]?.title, 'Demo (no model configured)');
      assert.deepEqual(models.models[0]?.tags, ['demo']);
      for (const key of ['slug', 'max_tokens', 'title', 'description', 'tags'])
        assert.ok(key in (models.models[0] ?? {}), key);
      assert.equal(models.categories[0]?.default_model, 'demo');
    }
  });

  test(`${kind}: account, me, settings and the conversation limit come from the real user`, async () => {
    const me = await get<{ id: string; email: string; name: string; created: number; orgs: { data: unknown[] } }>(
      '/backend-api/me',
      server.alice,
    );
    assert.equal(me.id, server.alice.id);
    assert.equal(me.email, server.alice.email);
    assert.equal(me.name, 'alice');
    assert.ok(Number.isInteger(me.created));
    const legacy = await get<{ account_plan: { subscription_plan: string }; features: string[] }>(
      '/api/accounts/check',
      server.bob,
    );
    assert.equal(legacy.account_plan.subscription_plan, 'chatgptfreeplan');
    assert.ok(!legacy.features.includes('backchat_admin'));
    const v4 = await get<{ accounts: { default: { features: string[] } } }>(
      '/backend-api/accounts/check/v4-2023-04-27',
      server.alice,
    );
    assert.ok(v4.accounts.default.features.includes('backchat_admin'));
    const settings = await get<{ settings: Record<string, unknown> }>('/backend-api/settings/user', server.alice);
    assert.equal(settings.settings.analytics_enabled, true);
    const limit = await get<Record<string, unknown>>('/public-api/conversation_limit', server.alice);
    assert.deepEqual(Object.keys(limit), ['message_cap', 'message_cap_window', 'message_disclaimer']);
  });

  test(`${kind}: the first turn's request fields are stored with the conversation`, async () => {
    const turn = await sendTurn(
      server,
      server.alice,
      firstTurn('Remember my settings', {
        timezone_offset_min: -180,
        suggestions: ['a', 'b'],
        conversation_mode: { kind: 'primary_assistant' },
      }),
    );
    const stored = await server.deps.store.getConversation(server.alice.id, turn.conversationId);
    assert.equal(stored?.timezoneOffsetMin, -180);
    assert.deepEqual(stored?.suggestions, ['a', 'b']);
    assert.deepEqual(stored?.conversationMode, { kind: 'primary_assistant' });
    assert.equal(stored?.defaultModel, 'demo');
    const reports = await server.deps.store.listLatencyReports(server.alice.id);
    const serverReport = reports.find(
      (report) => report.source === 'server' && report.conversationId === turn.conversationId,
    );
    assert.ok(serverReport, 'the server measured the stream');
    assert.ok((serverReport.countTokens ?? 0) > 10);
    assert.ok((serverReport.totalRequestMs ?? -1) >= 0);
    assert.equal(serverReport.serverRequestId, turn.response.headers.get('x-request-id'));
  });

  test(`${kind}: rename, archive, unarchive, delete, and the DELETE alias`, async () => {
    const turn = await sendTurn(server, server.bob, firstTurn('Organise me'));
    const id = turn.conversationId;
    assert.deepEqual(await send('PATCH', `/backend-api/conversation/${id}`, server.bob, { title: 'Renamed by Bob' }), {
      success: true,
    });
    let page = await get<ListPage>('/backend-api/conversations?offset=0&limit=28&order=updated', server.bob);
    assert.equal(page.items.find((item) => item.id === id)?.title, 'Renamed by Bob');
    await send('PATCH', `/api/conversation/${id}`, server.bob, { is_archived: true });
    page = await get<ListPage>('/backend-api/conversations?offset=0&limit=28', server.bob);
    assert.ok(!page.items.some((item) => item.id === id));
    const archived = await get<ListPage>('/backend-api/conversations?offset=0&limit=28&is_archived=true', server.bob);
    assert.deepEqual(
      archived.items.map((item) => [item.id, item.is_archived]),
      [[id, true]],
    );
    await send('PATCH', `/backend-api/conversation/${id}`, server.bob, { is_archived: false });
    const response = await server.request(`/backend-api/conversation/${id}`, { method: 'DELETE', as: server.bob });
    assert.deepEqual(await json(response), { success: true });
    assert.equal((await server.request(`/backend-api/conversation/${id}`, { as: server.bob })).status, 404);
  });

  test(`${kind}: current_node switches between branches (newest leaf below the chosen node)`, async () => {
    const body = firstTurn('Branch me');
    const first = await sendTurn(server, server.alice, body);
    const message = body.messages[0];
    const variant = await sendTurn(server, server.alice, {
      ...body,
      action: 'variant',
      conversation_id: first.conversationId,
      messages: [{ ...message, id: first.final.metadata.parent_id }],
    });
    const path = `/backend-api/conversation/${first.conversationId}`;
    assert.equal((await get<{ current_node: string }>(path, server.alice)).current_node, variant.final.id);
    await send('PATCH', path, server.alice, { current_node: first.final.id });
    assert.equal((await get<{ current_node: string }>(path, server.alice)).current_node, first.final.id);
    const unknown = await server.request(path, {
      method: 'PATCH',
      as: server.alice,
      json: { current_node: crypto.randomUUID() },
    });
    assert.equal(unknown.status, 404);
    // The root is no message to show; another user's conversation is not found either. Nothing changes.
    const mapping = (await get<{ mapping: Record<string, { parent: string | null }> }>(path, server.alice)).mapping;
    const root = Object.keys(mapping).find((id) => mapping[id]?.parent === null) ?? '';
    const atRoot = await server.request(path, { method: 'PATCH', as: server.alice, json: { current_node: root } });
    assert.equal(atRoot.status, 404);
    const asBob = await server.request(path, {
      method: 'PATCH',
      as: server.bob,
      json: { current_node: first.final.id },
    });
    assert.equal(asBob.status, 404);
    assert.equal((await get<{ current_node: string }>(path, server.alice)).current_node, first.final.id);
  });

  test(`${kind}: message feedback is stored once per message (case-tolerant rating)`, async () => {
    const turn = await sendTurn(server, server.alice, firstTurn('Rate me'));
    const body = { message_id: turn.final.id, conversation_id: turn.conversationId, rating: 'thumbsUp' };
    const saved = await send<{ rating: string; user_id: string; create_time: string }>(
      'POST',
      '/backend-api/conversation/message_feedback',
      server.alice,
      body,
    );
    assert.equal(saved.rating, 'thumbsUp');
    assert.equal(saved.user_id, server.alice.id);
    assert.match(saved.create_time, /T/);
    await send('POST', '/api/conversation/message_feedback', server.alice, {
      ...body,
      rating: 'ThumbsDown',
      text: 'meh',
      tags: ['not-helpful'],
    });
    const feedback = (await server.deps.store.listFeedback(server.alice.id)).filter(
      (item) => item.messageId === turn.final.id,
    );
    assert.deepEqual(
      feedback.map((item) => [item.rating, item.text, item.tags]),
      [['thumbsDown', 'meh', ['not-helpful']]],
    );
  });

  test(`${kind}: a conversation's ratings come back for its owner only (the thumbs after a reload)`, async () => {
    const turn = await sendTurn(server, server.alice, firstTurn('Rate me again'));
    const other = await sendTurn(server, server.alice, firstTurn('Another chat'));
    const rate = (conversationId: string, messageId: string, rating: string) =>
      send('POST', '/backend-api/conversation/message_feedback', server.alice, {
        message_id: messageId,
        conversation_id: conversationId,
        rating,
      });
    await rate(turn.conversationId, turn.final.id, 'thumbsDown');
    await rate(other.conversationId, other.final.id, 'thumbsUp');
    const path = `/backend-api/conversation/${turn.conversationId}/feedback`;
    assert.deepEqual(await get(path, server.alice), { items: [{ message_id: turn.final.id, rating: 'thumbsDown' }] });
    assert.equal((await server.request(path, { as: server.bob })).status, 404);
    await send('PATCH', `/backend-api/conversation/${turn.conversationId}`, server.alice, { is_visible: false });
    assert.equal((await server.request(path, { as: server.alice })).status, 404, 'a deleted chat has none');
  });

  test(`${kind}: temporary chats are never listed, readable by their owner, and purged`, async () => {
    const turn = await sendTurn(server, server.alice, firstTurn('Forget me', { history_and_training_disabled: true }));
    const page = await get<ListPage>('/backend-api/conversations?offset=0&limit=100', server.alice);
    assert.ok(!page.items.some((item) => item.id === turn.conversationId));
    assert.equal(
      (await server.request(`/backend-api/conversation/${turn.conversationId}`, { as: server.alice })).status,
      200,
    );
    const purged = await server.deps.store.purgeTemporaryConversations(Date.now() / 1000 + 1);
    assert.ok(purged >= 1);
    assert.equal(
      (await server.request(`/backend-api/conversation/${turn.conversationId}`, { as: server.alice })).status,
      404,
    );
  });

  test(`${kind}: listing pages newest first with an exact total; limit capped at 100; archive all; clear all`, async () => {
    const carol = { ...server.bob };
    const user = await server.deps.auth.createUser({ email: 'carol@example.com', password: 'carol-password-1' });
    carol.id = user.id;
    carol.token = (await sessionAccessToken(server.deps, user.id)).token;
    const made: string[] = [];
    for (let index = 0; index < 31; index++)
      made.push((await sendTurn(server, carol, firstTurn(`Conversation ${index}`))).conversationId);
    const first = await get<ListPage>('/backend-api/conversations?offset=0&limit=28&order=updated', carol);
    assert.equal(first.total, 31);
    assert.equal(first.items.length, 28);
    assert.equal(first.items[0]?.id, made.at(-1));
    const second = await get<ListPage>('/backend-api/conversations?offset=28&limit=28&order=updated', carol);
    assert.deepEqual(
      [...first.items, ...second.items].map((item) => item.id),
      [...made].reverse(),
    );
    const sorted = [...first.items].sort((a, b) => b.update_time.localeCompare(a.update_time));
    assert.deepEqual(
      sorted.map((item) => item.id),
      first.items.map((item) => item.id),
    );
    const capped = await get<ListPage>('/backend-api/conversations?offset=0&limit=500', carol);
    assert.equal(capped.limit, 100);
    assert.deepEqual(await send('PATCH', '/backend-api/conversations', carol, { is_archived: true }), {
      success: true,
    });
    assert.equal((await get<ListPage>('/backend-api/conversations', carol)).total, 0);
    assert.equal((await get<ListPage>('/backend-api/conversations?is_archived=true', carol)).total, 31);
    assert.deepEqual(await send('PATCH', '/backend-api/conversations', carol, { is_visible: false }), {
      success: true,
    });
    assert.equal((await get<ListPage>('/backend-api/conversations', carol)).total, 0);
  });

  test(`${kind}: gen_title under the /api/conversation base that browser-client derives`, async () => {
    const turn = await sendTurn(
      server,
      server.bob,
      firstTurn('Explain superconductors like I am five'),
      '/api/conversation',
    );
    const title = await send<{ title: string }>(
      'POST',
      `/api/conversation/gen_title/${turn.conversationId}`,
      server.bob,
      { message_id: turn.final.id, model: 'text-davinci-002-render-sha' },
    );
    assert.ok(title.title.length > 0);
    const detail = await get<{ title: string }>(`/backend-api/conversation/${turn.conversationId}`, server.bob);
    assert.equal(detail.title, title.title);
  });
});

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(kind, { config: { telemetryEnabled: false } });
  });
  after(() => server.close());

  test(`${kind}: with telemetry off, batches are validated, answered and dropped`, async () => {
    const batch = {
      batch: [{ type: 'track', event: 'Show Starter Prompts', properties: { prompt_count: 4 } }],
      sentAt: new Date().toISOString(),
    };
    const response = await server.request('/ces/v1/b', { method: 'POST', as: server.alice, json: batch });
    assert.deepEqual(await json(response), { success: true });
    assert.deepEqual(await server.deps.store.listAnalyticsEvents(server.alice.id), []);
    const bad = await server.request('/ces/v1/b', {
      method: 'POST',
      as: server.alice,
      json: { batch: [{ type: 'nonsense' }] },
    });
    assert.equal(bad.status, 400);
  });
});
