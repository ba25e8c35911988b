/**
 * Abuse limits over real loopback HTTP (docs/limits.md), on SQLite and PostgreSQL, with small caps and
 * a limiter clock the test moves: the exact 429 bodies with `Retry-After` equal to `clears_in`,
 * `conversation_limit` following the messages sent, one user's cap never touching another user, a
 * refused turn leaving the database as it was, the concurrent-answer cap released however a stream
 * ends, and `/ces/v1/b` per client network (`trustProxy` decides who that is).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachDatabase } from '../helpers/databases.js';
import { steppingClock } from '../helpers/deterministic.js';
import {
  type FakeScenario,
  type FakeUpstream,
  type RecordedRequest,
  startFakeUpstream,
} from '../helpers/fake-upstream.js';
import { readSse } from '../helpers/sse.js';
import {
  sessionAccessToken,
  startTestServer,
  type TestServer,
  type TestServerOptions,
  type TestUser,
} from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

const minute = 60_000;
const longText = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
const capBody = (clearsIn: number) => ({
  detail: {
    message: 'You have sent too many messages to the model. Please try again later.',
    code: 'model_cap_exceeded',
    clears_in: clearsIn,
  },
});

/** The fake model's behaviour is chosen by a marker in the user's message. */
function scenarioFor(request: RecordedRequest): FakeScenario {
  const prompt = JSON.stringify(request.body);
  if (prompt.includes('[stall]')) return { kind: 'stall', afterChunks: 2, text: longText };
  if (prompt.includes('[fail]')) return { kind: 'status', status: 500, message: 'upstream is down' };
  if (prompt.includes('[drop]')) return { kind: 'drop-after', chunks: 3, text: longText };
  return { kind: 'reply', text: 'A short answer.' };
}

function serverOptions(upstream: FakeUpstream, limitsClock: TestServerOptions['limitsClock']): TestServerOptions {
  return {
    providers: [
      {
        type: 'openai-compatible',
        id: 'fake',
        baseUrl: upstream.url,
        models: [
          { id: 'fake-model', title: 'Fake Model' },
          { id: 'fake-other', title: 'Fake Other' },
        ],
      },
    ],
    limitsClock,
    config: {
      limits: {
        messages: { cap: 10, windowMinutes: 180 },
        models: { 'fake-other': { cap: 1, windowMinutes: 60 } },
        concurrentStreams: 3,
        telemetryPerIpPerMinute: 3,
      },
    },
  };
}

forEachDatabase((kind) => {
  let server: TestServer;
  let upstream: FakeUpstream;
  let users = 0;
  /** The limiter's time: still unless a test moves it. */
  const limitsClock = steppingClock(1_701_830_000, 0);

  before(async () => {
    upstream = await startFakeUpstream({ models: ['fake-model', 'fake-other'] });
    upstream.script(scenarioFor);
    server = await startTestServer(kind, serverOptions(upstream, limitsClock));
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  /** A new account per test, so each starts with nothing counted. */
  async function newUser(): Promise<TestUser> {
    users += 1;
    const email = `user${users}@example.com`;
    const password = `user${users}-password-123`;
    const user = await server.deps.auth.createUser({ email, password, name: `User ${users}` });
    const { token } = await sessionAccessToken(server.deps, user.id);
    return { id: user.id, email, password, token };
  }

  const turn = (text: string, fields: Record<string, unknown> = {}) => ({
    action: 'next',
    messages: [userMessage(text)],
    model: 'fake-model',
    ...fields,
  });

  function post(as: TestUser, body: unknown): Promise<Response> {
    return server.request('/backend-api/conversation', { method: 'POST', as, json: body });
  }

  async function conversationLimit(as: TestUser, query = ''): Promise<Record<string, unknown>> {
    const response = await server.request(`/public-api/conversation_limit${query}`, { as });
    assert.equal(response.status, 200);
    return (await response.json()) as Record<string, unknown>;
  }

  async function usage(as: TestUser, query = ''): Promise<unknown[]> {
    const body = await conversationLimit(as, query);
    return [body.messages_used, body.messages_remaining, body.clears_in];
  }

  /**
   * A stream held open by the test, over node:http: aborting a `fetch` leaves an unused pooled
   * socket on the server that then delays its shutdown by its 70-second headers timeout.
   */
  function openStream(as: TestUser, body: unknown): Promise<{ status: number; abort(): void }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${server.url}/backend-api/conversation`, {
        method: 'POST',
        headers: { authorization: `Bearer ${as.token}`, 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        resolve({ status: response.statusCode ?? 0, abort: () => request.destroy() });
      });
      request.on('error', reject);
      request.end(JSON.stringify(body));
    });
  }

  /** Status, Retry-After and body of a refusal. */
  async function refusal(response: Response): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
  }

  test(`${kind}: the message cap: conversation_limit counts, the 429 body and Retry-After agree, nothing is written`, async () => {
    const carol = await newUser();
    assert.deepEqual(await conversationLimit(carol), {
      message_cap: 10,
      message_cap_window: 180,
      message_disclaimer: {
        textarea: 'You can send 10 messages every 3 hours.',
        model_switcher: "You've reached the cap of 10 messages every 3 hours. Try again later.",
        'model-switcher': "You've reached the cap of 10 messages every 3 hours. Try again later.",
      },
      messages_used: 0,
      messages_remaining: 10,
      clears_in: 0,
    });
    const helloId = 'aaa10000-0000-4000-8000-0000000000c1';
    const first = await sendTurn(server, carol, { ...turn('Hello'), messages: [userMessage('Hello', helloId)] });
    assert.deepEqual(await usage(carol), [1, 9, 0]);
    const title = await server.request(`/backend-api/conversation/gen_title/${first.conversationId}`, {
      method: 'POST',
      as: carol,
      json: { message_id: first.final.id },
    });
    assert.equal(title.status, 200);
    assert.deepEqual(await usage(carol), [1, 9, 0], 'gen_title is not a message');
    await sendTurn(server, carol, {
      ...turn('Hello'),
      action: 'variant',
      conversation_id: first.conversationId,
      messages: [userMessage('Hello', helloId)],
    });
    assert.deepEqual(await usage(carol), [2, 8, 0], 'a variant is a message too');
    limitsClock.advance(minute);
    let parent = first.final.id;
    for (let index = 0; index < 8; index++) {
      const next = await sendTurn(
        server,
        carol,
        turn(`Follow-up ${index}`, { conversation_id: first.conversationId, parent_message_id: parent }),
      );
      parent = next.final.id;
    }
    // Capped: the first messages leave the 180-minute window 179 minutes from now.
    assert.deepEqual(await usage(carol), [10, 0, 179 * 60]);
    const digest = await server.db.digest();
    const refused = await refusal(
      await post(carol, turn('Over the cap', { conversation_id: first.conversationId, parent_message_id: parent })),
    );
    assert.deepEqual(refused, { status: 429, retryAfter: String(179 * 60), body: capBody(179 * 60) });
    const alias = await server.request('/backend-api/conversation_limit', { as: carol });
    assert.equal(((await alias.json()) as Record<string, unknown>).clears_in, 179 * 60);
    assert.equal(await server.db.digest(), digest, 'a refused turn writes nothing');

    const bob = await sendTurn(server, server.bob, turn('Bob is not capped'));
    assert.equal(bob.final.status, 'finished_successfully');
    limitsClock.advance(179 * minute);
    assert.deepEqual(await usage(carol), [8, 2, 0]);
    await sendTurn(server, carol, turn('The window slid'));
  });

  test(`${kind}: a model's own cap, reported with ?model=; the other model still answers`, async () => {
    const dave = await newUser();
    assert.deepEqual(await conversationLimit(dave, '?model=fake-other'), {
      message_cap: 1,
      message_cap_window: 60,
      message_disclaimer: {
        textarea: 'Fake Other currently has a cap of 1 message every hour.',
        model_switcher:
          "You've reached the Fake Other cap of 1 message every hour. Try again later, or switch to another model.",
        'model-switcher':
          "You've reached the Fake Other cap of 1 message every hour. Try again later, or switch to another model.",
      },
      messages_used: 0,
      messages_remaining: 1,
      clears_in: 0,
    });
    await sendTurn(server, dave, turn('Hello', { model: 'fake-other' }));
    const refused = await refusal(await post(dave, turn('Again', { model: 'fake-other' })));
    assert.deepEqual(refused, { status: 429, retryAfter: '3600', body: capBody(3600) });
    assert.deepEqual(await usage(dave, '?model=fake-other'), [1, 0, 3600]);
    assert.deepEqual(await usage(dave), [1, 9, 0], 'the refused message is not counted over all models');
    await sendTurn(server, dave, turn('The other model', { model: 'fake-model' }));
    assert.deepEqual(await usage(dave, '?model=fake-model'), [2, 8, 0], 'a model without a cap: the overall cap');
  });

  test(`${kind}: turns that do not happen are not counted (unknown conversation, model down before any text)`, async () => {
    const erin = await newUser();
    const unknown = await post(erin, turn('Hello', { conversation_id: 'aaaaaaaa-0000-4000-8000-000000000000' }));
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const failed = await post(erin, turn('[fail] Hello'));
    assert.equal(failed.status, 502);
    await failed.body?.cancel();
    assert.deepEqual(await usage(erin), [0, 10, 0]);
  });

  test(`${kind}: concurrent answers: the 4th is refused; one ending in any way (abort, finish, upstream error) frees a slot`, async () => {
    const frank = await newUser();
    const held = [];
    for (let index = 0; index < 3; index++) {
      const stream = await openStream(frank, turn(`[stall] stream ${index}`));
      assert.equal(stream.status, 200);
      held.push(stream);
    }
    const busy = await refusal(await post(frank, turn('A fourth one')));
    assert.deepEqual(busy, {
      status: 429,
      retryAfter: '5',
      body: { detail: 'You already have 3 answers being written. Wait for one to finish, then try again.' },
    });
    await post(server.bob, turn('Bob is not affected')).then(readSse);

    held[0]?.abort();
    const afterAbort = await retryUntilAccepted(() => post(frank, turn('After an abort')));
    assert.equal((await readSse(afterAbort)).raw.endsWith('data: [DONE]\n\n'), true);
    // The lease goes back before [DONE]: the next answer is accepted at once.
    const dropped = await post(frank, turn('[drop] After a finished answer'));
    assert.equal(dropped.status, 200);
    const droppedStream = await readSse(dropped);
    assert.ok(droppedStream.payloads.some((payload) => payload.message === null && payload.error));
    const afterError = await post(frank, turn('After an upstream error'));
    assert.equal(afterError.status, 200);
    await readSse(afterError);

    for (const stream of held) stream.abort();
    await retryUntilAccepted(() => post(frank, turn('All streams over'))).then(readSse);
    // Each stopped answer gives its slot back once its final state is stored, which may be after a
    // newer, quicker turn has ended: every slot comes back, none leaks.
    await untilNoSlotIsHeld(frank.id);
  });

  test(`${kind}: /ces/v1/b per client network, whoever the user is`, async () => {
    limitsClock.advance(minute);
    const batch = (as: TestUser) =>
      server.request('/ces/v1/b', { method: 'POST', as, json: { batch: [{ type: 'track', event: 'x' }] } });
    assert.equal((await batch(server.alice)).status, 200);
    limitsClock.advance(10_000);
    assert.equal((await batch(server.bob)).status, 200);
    assert.equal((await batch(server.alice)).status, 200);
    // The accepted batches are written by the telemetry buffer: before the digest, not during the refusal.
    await server.deps.telemetry.flush();
    const digest = await server.db.digest();
    const refused = await refusal(await batch(server.bob));
    assert.deepEqual(refused, {
      status: 429,
      retryAfter: '50',
      body: { detail: 'Too many analytics batches from your network. Try again in 50 seconds.' },
    });
    assert.equal(await server.db.digest(), digest);
    const spoofed = await server.request('/ces/v1/b', {
      method: 'POST',
      as: server.alice,
      headers: { 'x-forwarded-for': '198.51.100.9' },
      json: { batch: [] },
    });
    assert.equal(spoofed.status, 429, 'without trustProxy, X-Forwarded-For changes nothing');
    await spoofed.body?.cancel();
    limitsClock.advance(50_000);
    assert.equal((await batch(server.bob)).status, 200);
  });

  /** Posts until the answer is not a 429 (a released lease is noticed a moment after the client leaves). */
  async function untilNoSlotIsHeld(userId: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await server.deps.limits.streams.active(userId)) !== 0) {
      assert.ok(Date.now() < deadline, `${await server.deps.limits.streams.active(userId)} slot(s) never freed`);
      await sleep(25);
    }
  }

  async function retryUntilAccepted(send: () => Promise<Response>): Promise<Response> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const response = await send();
      if (response.status !== 429) {
        assert.equal(response.status, 200);
        return response;
      }
      await response.body?.cancel();
      assert.ok(Date.now() < deadline, 'the slot was never freed');
      await sleep(25);
    }
  }
});

test('trustProxy: behind a trusted proxy each forwarded client is its own network', async () => {
  const server = await startTestServer('sqlite', {
    config: { trustProxy: ['127.0.0.1', '::1'], limits: { telemetryPerIpPerMinute: 1 } },
    limitsClock: steppingClock(1_701_830_000, 0),
  });
  try {
    const batch = (client: string) =>
      server.request('/ces/v1/b', {
        method: 'POST',
        as: server.alice,
        headers: { 'x-forwarded-for': client },
        json: { batch: [] },
      });
    assert.equal((await batch('203.0.113.1')).status, 200);
    assert.equal((await batch('203.0.113.1')).status, 429);
    assert.equal((await batch('203.0.113.2')).status, 200);
    assert.equal((await batch('2001:db8::1')).status, 200);
    assert.equal((await batch('2001:db8::2')).status, 429, 'one IPv6 /64 is one network');
  } finally {
    await server.close();
  }
});
