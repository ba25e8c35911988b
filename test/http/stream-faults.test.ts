/**
 * Faults around one turn, with a scripted fake upstream: the client leaving mid-stream, the model
 * failing before any text and mid-stream. Afterwards: the partial answer is kept and marked, the user
 * message is never lost, nothing stays `in_progress`, and the tree invariants hold.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { countTokens } from '../../src/conversation/token-count.js';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { DatabaseConnectionError } from '../../src/store/store-errors.js';
import { forEachDatabase } from '../helpers/databases.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { readSse } from '../helpers/sse.js';
import type { TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { userMessage } from '../helpers/turns.js';
import { type ServerWithUpstream, startServerWithFakeUpstream } from '../helpers/upstream-server.js';

const longText = 'The quick brown fox jumps over the lazy dog. '.repeat(40);

function newTurn(text: string, id: string) {
  return {
    action: 'next',
    messages: [userMessage(text, id)],
    parent_message_id: 'aaa1625d-8249-4412-9825-004c3144a000',
    model: 'fake-model',
  };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(25);
  }
}

forEachDatabase((kind) => {
  let rig: ServerWithUpstream;
  let server: TestServer;
  let upstream: FakeUpstream;

  before(async () => {
    rig = await startServerWithFakeUpstream(kind, { checkpointIntervalMs: 50 });
    ({ server, upstream } = rig);
  });
  after(() => rig.close());

  async function conversationOf(userMessageId: string) {
    const list = await server.deps.store.listConversations(server.alice.id, { offset: 0, limit: 100, archived: false });
    for (const conversation of list.items) {
      const messages = await server.deps.store.listMessages(server.alice.id, conversation.id);
      const user = messages.find((message) => message.id === userMessageId);
      if (user) return { conversation, messages, user };
    }
    return undefined;
  }

  test(`${kind}: the client leaving mid-stream keeps the partial answer, marked interrupted, and stops the upstream`, async () => {
    upstream.script({ kind: 'reply', text: longText, tokenDelayMs: 10 });
    const controller = new AbortController();
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: newTurn('Tell me something long', 'aaa10000-0000-4000-8000-00000000a001'),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body?.getReader();
    let received = '';
    while (received.split('data: ').length < 6) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      received += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    const found = await waitFor(async () => {
      const state = await conversationOf('aaa10000-0000-4000-8000-00000000a001');
      const answer = state?.messages.find((message) => message.parentId === 'aaa10000-0000-4000-8000-00000000a001');
      return answer && answer.status !== 'in_progress' ? answer : undefined;
    });
    assert.equal(found.status, 'finished_partial_completion');
    assert.deepEqual(found.metadata.finish_details, { type: 'interrupted' });
    const text = String(found.parts[0]);
    assert.ok(text.length > 0 && text.length < longText.length, `partial text kept (${text.length} chars)`);
    await waitFor(async () => (upstream.lastChat()?.clientAborted ? true : undefined));
    assert.deepEqual(await checkTreeInvariants(server.db.config, { acknowledged: [] }), []);
  });

  test(`${kind}: a model failure before any text is a 502 JSON error; the user message stays, no empty answer`, async () => {
    upstream.script({
      kind: 'status',
      status: 401,
      message: 'Incorrect API key provided',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: newTurn('Hello?', 'aaa20000-0000-4000-8000-00000000a002'),
    });
    assert.equal(response.status, 502);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await response.json()) as { detail: string };
    assert.match(body.detail, /401/);
    const state = await conversationOf('aaa20000-0000-4000-8000-00000000a002');
    assert.ok(state, 'the user message was kept');
    assert.equal(state.conversation.currentNode, 'aaa20000-0000-4000-8000-00000000a002');
    assert.equal(state.messages.filter((message) => message.role === 'assistant').length, 0);

    // Regenerating it once the model is back works.
    upstream.script({ kind: 'reply', text: 'Back again.' });
    const retry = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: {
        action: 'variant',
        conversation_id: state.conversation.id,
        parent_message_id: state.user.parentId,
        messages: [userMessage('Hello?', 'aaa20000-0000-4000-8000-00000000a002')],
        model: 'fake-model',
      },
    });
    assert.equal(retry.status, 200);
    const stream = await readSse(retry);
    assert.ok(stream.raw.includes('Back again.'));
  });

  test(`${kind}: a failure mid-stream sends the partial answer, an error event and [DONE]`, async () => {
    upstream.script({ kind: 'drop-after', chunks: 6, text: longText, tokenDelayMs: 1 });
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: newTurn('Break please', 'aaa30000-0000-4000-8000-00000000a003'),
    });
    assert.equal(response.status, 200);
    const stream = await readSse(response);
    const last = stream.payloads.at(-1) as { message: null; error: string };
    assert.equal(last.message, null);
    assert.ok(last.error.length > 0);
    const final = stream.payloads.at(-2) as { message: { status: string; metadata: Record<string, unknown> } };
    assert.equal(final.message.status, 'finished_partial_completion');
    assert.ok(stream.raw.endsWith('data: [DONE]\n\n'));
    const state = await conversationOf('aaa30000-0000-4000-8000-00000000a003');
    const answer = state?.messages.find((message) => message.role === 'assistant');
    assert.equal(answer?.status, 'finished_partial_completion');
    assert.deepEqual(await checkTreeInvariants(server.db.config), []);
  });

  test(`${kind}: the server's latency report is written with the final answer and counts the upstream's tokens`, async () => {
    // The fake upstream sends 1–4 characters per chunk and reports one token per chunk in its `usage`:
    // 7 chunks here, where o200k would count this word differently.
    upstream.script({ kind: 'reply', text: 'Antidisestablishmentarianism' });
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: newTurn('One long word', 'aaa40000-0000-4000-8000-00000000a004'),
    });
    await readSse(response);
    const state = await conversationOf('aaa40000-0000-4000-8000-00000000a004');
    const answer = state?.messages.find((message) => message.role === 'assistant');
    assert.equal(answer?.status, 'finished_successfully');
    const reports = await server.deps.store.listLatencyReports(server.alice.id);
    const report = reports.find((item) => item.source === 'server' && item.messageId === answer?.id);
    assert.equal(report?.countTokens, 7);
    assert.notEqual(countTokens('Antidisestablishmentarianism'), 7, "the count is the upstream's, not ours");
  });

  test(`${kind}: the model is asked while the turn's rows are written, and stopped when they cannot be`, async () => {
    upstream.script({ kind: 'reply', text: longText, tokenDelayMs: 20 });
    const asked = upstream.requests.length;
    // The turn's rows are written only once the upstream has the request (it never would, were the model
    // asked after the commit), and then the database goes away (every store a transaction hands out is a
    // KyselyStore).
    const startAnswer = KyselyStore.prototype.startAnswer;
    KyselyStore.prototype.startAnswer = async () => {
      await waitFor(async () => upstream.requests[asked]);
      throw new DatabaseConnectionError('the database went away');
    };
    try {
      const response = await server.request('/backend-api/conversation', {
        method: 'POST',
        as: server.alice,
        json: newTurn('Never written', 'aaa50000-0000-4000-8000-00000000a005'),
      });
      assert.equal(response.status, 503);
    } finally {
      KyselyStore.prototype.startAnswer = startAnswer;
    }
    const request = upstream.requests[asked];
    assert.ok(request, 'the upstream was asked');
    await request.closed;
    assert.equal(request.clientAborted, true, 'the upstream request was stopped');
    assert.equal(await conversationOf('aaa50000-0000-4000-8000-00000000a005'), undefined, 'nothing was written');
  });
});
