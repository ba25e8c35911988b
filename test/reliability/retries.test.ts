/**
 * Retries are the same turn (docs/decisions/2026-12-02-resumable-answers.md, "Retries are the same
 * turn"): the exact same `next` body sent again — same user message id under the same parent, with or
 * without `conversation_id` — never makes a second conversation or a second copy of the user message.
 *
 * - cut after its first events (a program client: the answer stops; a background client: it goes on),
 *   then sent again: one conversation, one user message, one answer; the retry's stream ends in
 *   `[DONE]` with that answer;
 * - sent again after the answer finished: the stored final state comes back as a stream (the message,
 *   the moderation event, `[DONE]`) and the database digest does not change;
 * - sent twice at once (a client that retries while the first attempt is still in flight): the same;
 * - the same message id under a different parent is still a 409.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pollUntil } from '../helpers/bounded.js';
import { forEachDatabase } from '../helpers/databases.js';
import { type HealthCheck, openHealthCheck } from '../helpers/db-health.js';
import { postTurn, type Target, type TurnOutcome } from '../helpers/stream-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { userMessage } from '../helpers/turns.js';

/** ≈ 300 tokens at 4 ms: an answer takes ≈ 1.2 s, long enough to cut it after its first events. */
const demo = { type: 'demo' as const, id: 'demo', tokenDelayMs: 4 };

function nextBody(text: string, parentId: string, conversationId?: string) {
  return {
    action: 'next',
    messages: [userMessage(text, crypto.randomUUID())],
    ...(conversationId && { conversation_id: conversationId }),
    parent_message_id: parentId,
    model: 'demo',
  };
}

function messageIdOf(body: ReturnType<typeof nextBody>): string {
  return body.messages[0]?.id ?? '';
}

function textOf(outcome: TurnOutcome): string {
  return (outcome.last?.content.parts ?? []).join('');
}

forEachDatabase((kind) => {
  let server: TestServer;
  let health: HealthCheck;
  let target: Target;

  before(async () => {
    server = await startTestServer(kind, { providers: [demo] });
    health = await openHealthCheck(server.db.config);
    target = { url: server.url, token: server.alice.token };
  });
  after(async () => {
    await health?.close();
    await server?.close();
  });

  /** Sends `body` and cuts the connection after `events` events. */
  async function cutAfter(body: unknown, events: number, background: boolean): Promise<TurnOutcome> {
    const stop = new AbortController();
    const outcome = await postTurn(target, body, {
      background,
      signal: stop.signal,
      onPayload: (_payload, index) => {
        if (index + 1 >= events) stop.abort();
      },
    });
    assert.ok(outcome.aborted && !outcome.done, 'the first attempt was cut before [DONE]');
    assert.ok(outcome.conversationId, 'the first attempt was acknowledged');
    return outcome;
  }

  async function complete(body: unknown, background = false): Promise<TurnOutcome> {
    const outcome = await postTurn(target, body, { background });
    assert.equal(outcome.status, 200, `status ${outcome.status}: ${outcome.body}`);
    assert.ok(outcome.done, `no [DONE] (error ${outcome.error})`);
    return outcome;
  }

  /** The one conversation of `rootId`, its one copy of the user message, and that message's answers. */
  async function turnRows(rootId: string, userMessageId: string) {
    const conversations = await health.conversationsWithRoot(server.alice.id, rootId);
    assert.equal(conversations.length, 1, `conversations with root ${rootId}: ${conversations.join(', ')}`);
    const conversationId = conversations[0] ?? '';
    assert.deepEqual(await health.duplicateViolations(), []);
    const user = await health.storedMessage(conversationId, userMessageId);
    assert.equal(user?.role, 'user', 'the user message is stored');
    const answers = await health.children(conversationId, userMessageId, 'assistant');
    return { conversationId, answers };
  }

  /** Waits until no answer is being written, so digests compare settled states. */
  async function settled(): Promise<void> {
    await pollUntil(async () => ((await health.inProgressAnswers()).length === 0 ? true : undefined), 'answers end', {
      timeoutMs: 10_000,
    });
  }

  for (const background of [false, true]) {
    const mode = background ? 'a background client' : 'a program client';

    test(`${kind}: a new-conversation turn cut by ${mode} and sent again is one conversation with one user message`, async () => {
      const rootId = crypto.randomUUID();
      const body = nextBody(`Retry me (${mode})`, rootId);
      const first = await cutAfter(body, 2, background);
      const retry = await complete(body, background);
      assert.equal(retry.conversationId, first.conversationId, 'the retry names the same conversation');
      await settled();
      const { conversationId, answers } = await turnRows(rootId, messageIdOf(body));
      assert.equal(answers.length, 1, `one answer under the user message, not ${answers.length}`);
      assert.equal(retry.last?.id, answers[0]?.id, 'the retry streams that answer');
      assert.equal(textOf(retry), answers[0]?.text, 'the retry ends with the stored text');
      if (background) assert.equal(answers[0]?.status, 'finished_successfully', 'a background answer runs to its end');
      assert.deepEqual(
        await checkTreeInvariants(server.db.config, {
          acknowledged: [{ conversationId, messageId: messageIdOf(body) }],
        }),
        [],
      );
    });

    test(`${kind}: a follow-up cut by ${mode} and sent again (with conversation_id) is stored once`, async () => {
      const rootId = crypto.randomUUID();
      const opening = await complete(nextBody('Open a conversation', rootId));
      const conversationId = opening.conversationId ?? '';
      const body = nextBody(`Follow up (${mode})`, opening.last?.id ?? '', conversationId);
      await cutAfter(body, 3, background);
      const retry = await complete(body, background);
      assert.equal(retry.conversationId, conversationId);
      await settled();
      const { answers } = await turnRows(rootId, messageIdOf(body));
      assert.equal(answers.length, 1, `one answer under the follow-up, not ${answers.length}`);
      assert.equal(retry.last?.id, answers[0]?.id);
      assert.equal(textOf(retry), answers[0]?.text);
    });
  }

  test(`${kind}: a finished turn sent again comes back as a stream of its final state and writes nothing`, async () => {
    const rootId = crypto.randomUUID();
    const body = nextBody('Answer once', rootId);
    const original = await complete(body);
    const followUp = nextBody('And once more', original.last?.id ?? '', original.conversationId);
    const originalFollowUp = await complete(followUp);
    await settled();
    for (const [sent, first] of [
      [body, original],
      [followUp, originalFollowUp],
    ] as const) {
      const before = await server.db.digest();
      const again = await complete(sent);
      await settled();
      assert.equal(await server.db.digest(), before, 'the retry wrote nothing');
      assert.equal(again.conversationId, first.conversationId);
      assert.equal(again.last?.id, first.last?.id, 'the same answer');
      assert.equal(again.last?.status, first.last?.status);
      assert.equal(textOf(again), textOf(first), 'its final text');
      const moderation = again.payloads.find((payload) => 'moderation_response' in payload);
      assert.ok(moderation, 'the completion moderation event follows');
      assert.ok(again.done);
    }
    await turnRows(rootId, messageIdOf(body));
  });

  for (const followUp of [false, true]) {
    const which = followUp ? 'follow-up (with conversation_id)' : 'new-conversation turn';
    test(`${kind}: the same ${which} sent twice at once (a client retrying while the first is in flight) is stored once`, async () => {
      for (let round = 0; round < 3; round++) {
        const rootId = crypto.randomUUID();
        let body = nextBody(`Twice at once, round ${round}`, rootId);
        if (followUp) {
          const opening = await complete(nextBody('Open a conversation', rootId));
          body = nextBody(`Twice at once, round ${round}`, opening.last?.id ?? '', opening.conversationId);
        }
        const [first, second] = await Promise.all([postTurn(target, body), postTurn(target, body)]);
        for (const outcome of [first, second]) {
          assert.equal(outcome.status, 200, `round ${round}: status ${outcome.status}: ${outcome.body}`);
          assert.ok(outcome.done, `round ${round}: no [DONE] (error ${outcome.error})`);
        }
        assert.equal(first.conversationId, second.conversationId, `round ${round}: two conversations for one turn`);
        assert.equal(first.last?.id, second.last?.id, `round ${round}: two answers for one turn`);
        await settled();
        const { answers } = await turnRows(rootId, messageIdOf(body));
        assert.equal(answers.length, 1, `round ${round}: ${answers.length} answers under the one user message`);
      }
    });
  }

  test(`${kind}: the same user message id under a different parent is still a 409`, async () => {
    const firstBody = nextBody('First', crypto.randomUUID());
    const first = await complete(firstBody);
    // The first message's id again, now under the first answer: a different parent.
    const clash = {
      ...nextBody('First', first.last?.id ?? '', first.conversationId),
      messages: [userMessage('First', messageIdOf(firstBody))],
    };
    await settled();
    const before = await server.db.digest();
    const outcome = await postTurn(target, clash);
    assert.equal(outcome.status, 409, `status ${outcome.status}: ${outcome.body}`);
    assert.equal(await server.db.digest(), before);
  });
});
