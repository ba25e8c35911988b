/**
 * Three `backchat serve` processes on one PostgreSQL database and one Redis prefix, with nginx (the
 * shipped deploy/nginx/backchat.conf) round-robin in front: whatever a user does through one instance is
 * seen, continued, resumed, stopped, limited and revoked through the others, directly and through nginx;
 * a SIGKILLed instance's answer is marked interrupted by the others once its lease runs out; nginx streams
 * answers unbuffered and backchat takes the client's address from nginx's X-Forwarded-For.
 *
 * The demo model `demo` is slow (BACKCHAT_DEMO_TOKEN_DELAY_MS) so an answer is still being written while
 * the test looks at it; `quick/demo` answers at once; `capped/demo` has a small message cap.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { pollUntil } from '../helpers/bounded.js';
import { killAll, runCli } from '../helpers/cli-process.js';
import { type Cluster, describeWithCluster, type Instance, loggedRequests, startCluster } from '../helpers/cluster.js';
import { type HttpReply, httpRequest, SseReader, type StreamMessage } from '../helpers/http-exchange.js';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { openTestRedis, type TestRedis } from '../helpers/redis.js';
import { buildServerIfStale, type SiteUser } from '../helpers/server-process.js';

const leaseSeconds = 2;
const slow = 'demo';
const quick = 'quick/demo';
const capped = 'capped/demo';
const messageCap = 3;
const concurrentStreams = 2;
const loginsPerNetwork = 4;

const config = {
  providers: [
    { type: 'demo', id: 'demo' },
    { type: 'demo', id: 'quick', tokenDelayMs: 0 },
    { type: 'demo', id: 'capped', tokenDelayMs: 0 },
  ],
  limits: {
    messages: { cap: 0 },
    models: { [capped]: { cap: messageCap, windowMinutes: 60 } },
    concurrentStreams,
    login: { perAccount: 0, perIp: loginsPerNetwork, windowMinutes: 15 },
    telemetryPerIpPerMinute: 0,
  },
  telemetry: { enabled: false },
};

interface TurnOptions {
  model?: string;
  conversationId?: string;
  parent?: string;
}

function turnBody(text: string, options: TurnOptions = {}) {
  return {
    action: 'next',
    messages: [
      { id: randomUUID(), author: { role: 'user' }, content: { content_type: 'text', parts: [text] }, metadata: {} },
    ],
    parent_message_id: options.parent ?? randomUUID(),
    model: options.model ?? quick,
    ...(options.conversationId && { conversation_id: options.conversationId }),
  };
}

function bearer(user: SiteUser | string): Record<string, string> {
  return { authorization: `Bearer ${typeof user === 'string' ? user : user.token}` };
}

/** Opens a turn's stream (background unless told otherwise); the answer may still be running. */
function openTurn(
  base: string,
  user: SiteUser,
  body: unknown,
  options: { background?: boolean; localAddress?: string; headers?: Record<string, string> } = {},
): Promise<SseReader> {
  const headers = { ...bearer(user), ...options.headers };
  if (options.background !== false) headers['x-backchat-background'] = '1';
  return SseReader.open(base, '/backend-api/conversation', {
    method: 'POST',
    json: body,
    headers,
    localAddress: options.localAddress,
  });
}

/** A whole turn: 200, read to `[DONE]`, with a final answer. */
async function completeTurn(
  base: string,
  user: SiteUser,
  body: unknown,
): Promise<{ conversationId: string; answer: StreamMessage }> {
  const stream = await openTurn(base, user, body, { background: false });
  if (stream.status !== 200) await stream.ended;
  assert.equal(stream.status, 200, `turn through ${base}: ${stream.status} ${stream.text}`);
  await stream.until(() => stream.done(), `the answer through ${base} to end`, 20_000);
  const answer = stream.finalMessage();
  const conversationId = stream.conversationId();
  assert.ok(answer && conversationId, 'the stream named its conversation and answer');
  assert.equal(answer.status, 'finished_successfully');
  return { conversationId, answer };
}

interface StoredConversation {
  title: string | null;
  current_node: string;
  mapping: Record<string, { message: StreamMessage | null; parent: string | null }>;
}

async function getConversation(base: string, user: SiteUser, id: string): Promise<HttpReply> {
  return httpRequest(base, `/backend-api/conversation/${id}`, { headers: bearer(user) });
}

async function storedMessage(base: string, user: SiteUser, conversationId: string, messageId: string) {
  const reply = await getConversation(base, user, conversationId);
  assert.equal(reply.status, 200, `GET conversation through ${base}: ${reply.text}`);
  return (reply.json as StoredConversation).mapping[messageId]?.message ?? undefined;
}

async function listedIds(base: string, user: SiteUser): Promise<Map<string, string | null>> {
  const reply = await httpRequest(base, '/backend-api/conversations?offset=0&limit=100', { headers: bearer(user) });
  assert.equal(reply.status, 200);
  const items = (reply.json as { items: Array<{ id: string; title: string | null }> }).items;
  return new Map(items.map((item) => [item.id, item.title]));
}

async function stopAnswer(base: string, user: SiteUser, conversationId: string): Promise<HttpReply> {
  return httpRequest(base, `/backend-api/conversation/${conversationId}/stop`, {
    method: 'POST',
    headers: bearer(user),
  });
}

function sessionCookie(reply: HttpReply): string {
  const cookies = reply.headers['set-cookie'] ?? [];
  const cookie = cookies.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('backchat_session='));
  assert.ok(cookie, `a session cookie in ${JSON.stringify(cookies)}`);
  return cookie;
}

/** Within `ms` of now, every `check` answers `status` (polled every 50 ms). */
async function allAnswerWithin(ms: number, status: number, checks: Array<[string, () => Promise<HttpReply>]>) {
  const started = performance.now();
  let last: string[] = [];
  await pollUntil(
    async () => {
      const replies = await Promise.all(checks.map(async ([name, check]) => [name, (await check()).status] as const));
      last = replies.filter(([, got]) => got !== status).map(([name, got]) => `${name}: ${got}`);
      return last.length === 0 ? true : undefined;
    },
    `every instance to answer ${status}`,
    { timeoutMs: ms, intervalMs: 50 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; still not: ${last.join(', ')}`);
  });
  return performance.now() - started;
}

describeWithCluster('three instances behind nginx', { nginx: true }, () => {
  let redis: TestRedis;
  let cluster: Cluster;
  let nginx: Nginx;
  let instances: Instance[];
  let ada: SiteUser;
  let ben: SiteUser;

  before(
    async () => {
      await buildServerIfStale();
      redis = await openTestRedis();
      cluster = await startCluster({
        users: ['ada', 'ben'],
        config,
        redis,
        env: {
          BACKCHAT_GENERATION_LEASE_SECONDS: String(leaseSeconds),
          BACKCHAT_DEMO_TOKEN_DELAY_MS: '30',
          BACKCHAT_TRUST_PROXY: '127.0.0.1',
          BACKCHAT_SHUTDOWN_GRACE_SECONDS: '1',
          BACKCHAT_LOG_REQUESTS: '1',
        },
      });
      instances = cluster.instances;
      [ada, ben] = cluster.site.users as [SiteUser, SiteUser];
      nginx = await startNginx({ upstreamPorts: instances.map((instance) => instance.port) });
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      await nginx?.stop().catch(() => {});
      await cluster?.close().catch(() => {});
      await redis?.close().catch(() => {});
      killAll();
    },
    { timeout: 60_000 },
  );

  const url = (index: number) => {
    const instance = instances[index];
    if (!instance) throw new Error(`no instance ${index}`);
    return instance.url;
  };

  test('a conversation started on one instance is continued, listed, renamed and deleted through the others', {
    timeout: 60_000,
  }, async () => {
    const first = await completeTurn(url(0), ada, turnBody('Hello from instance one'));
    const id = first.conversationId;
    const second = await completeTurn(
      url(1),
      ada,
      turnBody('And again from instance two', { conversationId: id, parent: first.answer.id }),
    );
    const third = await completeTurn(
      nginx.url,
      ada,
      turnBody('And through nginx', { conversationId: id, parent: second.answer.id }),
    );
    const stored = (await getConversation(url(2), ada, id)).json as StoredConversation;
    assert.equal(stored.current_node, third.answer.id, 'instance three sees the newest answer as current');
    const messages = Object.values(stored.mapping).flatMap((node) => (node.message ? [node.message] : []));
    assert.equal(messages.filter((message) => message.author.role === 'user').length, 3);
    const answers = messages.filter((message) => message.author.role === 'assistant');
    assert.deepEqual(
      answers.map((message) => message.status),
      ['finished_successfully', 'finished_successfully', 'finished_successfully'],
    );
    assert.ok((await listedIds(nginx.url, ada)).has(id), 'listed through nginx');

    const title = 'Renamed on instance three';
    const renamed = await httpRequest(url(2), `/backend-api/conversation/${id}`, {
      method: 'PATCH',
      headers: bearer(ada),
      json: { title },
    });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(((await getConversation(url(0), ada, id)).json as StoredConversation).title, title);
    assert.equal((await listedIds(url(1), ada)).get(id), title);
    assert.equal((await listedIds(nginx.url, ada)).get(id), title);
    assert.equal((await listedIds(url(0), ben)).has(id), false, "not in another user's list");

    const deleted = await httpRequest(nginx.url, `/backend-api/conversation/${id}`, {
      method: 'PATCH',
      headers: bearer(ada),
      json: { is_visible: false },
    });
    assert.equal(deleted.status, 200, deleted.text);
    for (const base of [url(0), url(1), url(2), nginx.url]) {
      assert.equal((await getConversation(base, ada, id)).status, 404, `deleted, seen through ${base}`);
      assert.equal((await listedIds(base, ada)).has(id), false, `not listed through ${base}`);
    }
  });

  test('an answer written on instance 1 is resumed through instance 2 (Last-Event-ID) and stopped through instance 3', {
    timeout: 60_000,
  }, async () => {
    const origin = await openTurn(url(0), ada, turnBody('Write slowly, I will read you elsewhere', { model: slow }));
    let conversationId: string | undefined;
    try {
      assert.equal(origin.status, 200, origin.text);
      await origin.until(() => (origin.lastEventId() ?? 0) >= 5 && origin.answerText().length > 0, 'a few events');
      conversationId = origin.conversationId();
      assert.ok(conversationId);
      const seen = origin.lastEventId() ?? 0;

      const status = await httpRequest(url(1), `/backend-api/conversation/${conversationId}/stream_status`, {
        headers: bearer(ada),
      });
      assert.equal(status.status, 200, status.text);
      assert.equal(
        (status.json as { status: string }).status,
        'IS_STREAMING',
        `instance 2 must see the answer instance 1 is writing (a shared AnswerHub): ${status.text}`,
      );

      const resumed = await SseReader.open(url(1), `/backend-api/conversation/${conversationId}/stream`, {
        headers: { ...bearer(ada), 'last-event-id': String(seen) },
      });
      assert.equal(resumed.status, 200, `GET …/stream through instance 2: ${resumed.status} ${resumed.text}`);
      await resumed.until(() => resumed.answerText().length > 0, 'text through instance 2');
      assert.ok(
        resumed.events.every((event) => event.event === 'ping' || Number(event.id) > seen),
        'only events after Last-Event-ID',
      );

      const stop = await stopAnswer(url(2), ada, conversationId);
      assert.deepEqual(stop.json, { success: true, stopped: true }, `stop through instance 3: ${stop.text}`);
      await Promise.all([
        origin.until(() => origin.done(), 'the original stream to end', 10_000),
        resumed.until(() => resumed.done(), 'the resumed stream to end', 10_000),
      ]);
      for (const [name, stream] of [
        ['original', origin],
        ['resumed', resumed],
      ] as const) {
        const final = stream.finalMessage();
        assert.equal(final?.status, 'finished_partial_completion', `${name} stream's final state`);
        assert.equal(final?.metadata.finish_details?.type, 'interrupted', `${name} stream's finish`);
      }
      assert.equal(resumed.answerText(), origin.answerText(), 'both readers end with the same text');
      const answerId = origin.finalMessage()?.id ?? '';
      const stored = await storedMessage(url(1), ada, conversationId, answerId);
      assert.equal(stored?.status, 'finished_partial_completion');
      assert.equal(stored?.metadata.finish_details?.type, 'interrupted');
      assert.equal(stored?.content.parts[0], origin.answerText(), 'the partial text is stored');
      assert.ok((stored?.content.parts[0] ?? '').length > 0);
    } finally {
      origin.close();
      // Whatever failed, the answer does not run on into the next test.
      if (conversationId) await stopAnswer(url(0), ada, conversationId).catch(() => {});
    }
  });

  test('deleting a conversation through instance 2 stops the answer instance 1 is writing', {
    timeout: 60_000,
  }, async () => {
    const origin = await openTurn(url(0), ada, turnBody('Write slowly, I will delete you elsewhere', { model: slow }));
    let conversationId: string | undefined;
    try {
      assert.equal(origin.status, 200, origin.text);
      await origin.until(() => origin.answerText().length > 0, 'some text');
      conversationId = origin.conversationId();
      assert.ok(conversationId);
      const deleted = await httpRequest(url(1), `/backend-api/conversation/${conversationId}`, {
        method: 'DELETE',
        headers: bearer(ada),
      });
      assert.equal(deleted.status, 200, deleted.text);
      await origin.until(() => origin.done(), 'the stream on instance 1 to end', 10_000);
      const final = origin.finalMessage();
      assert.equal(final?.status, 'finished_partial_completion', 'stopped, not run to its end');
      assert.equal(final?.metadata.finish_details?.type, 'interrupted');
      const status = await httpRequest(url(2), `/backend-api/conversation/${conversationId}`, { headers: bearer(ada) });
      assert.equal(status.status, 404, 'the conversation is gone for every instance');
    } finally {
      origin.close();
      if (conversationId) await stopAnswer(url(0), ada, conversationId).catch(() => {});
    }
  });

  test(`message caps add up across instances (${messageCap} per user for ${capped})`, { timeout: 60_000 }, async () => {
    for (const index of [0, 1, 2].slice(0, messageCap)) {
      await completeTurn(url(index), ben, turnBody(`Capped message ${index + 1}`, { model: capped }));
    }
    const usage = await httpRequest(url(1), `/public-api/conversation_limit?model=${encodeURIComponent(capped)}`, {
      headers: bearer(ben),
    });
    assert.equal(usage.status, 200, usage.text);
    assert.equal(
      (usage.json as { messages_used?: number }).messages_used,
      messageCap,
      `usage seen on instance 2: ${usage.text}`,
    );
    const over = await openTurn(url(0), ben, turnBody('One too many', { model: capped }), { background: false });
    await over.ended;
    assert.equal(over.status, 429, `the ${messageCap + 1}th message through instance 1: ${over.status} ${over.text}`);
    assert.match(over.text, /model_cap_exceeded/);
    assert.ok(Number(over.headers['retry-after']) >= 1, 'Retry-After');
  });

  test(`concurrent answers add up across instances (${concurrentStreams} per user)`, { timeout: 60_000 }, async () => {
    const running: Array<{ index: number; stream: SseReader }> = [];
    try {
      for (const index of [0, 1].slice(0, concurrentStreams)) {
        const stream = await openTurn(url(index), ben, turnBody(`Long answer ${index + 1}`, { model: slow }));
        running.push({ index, stream });
        assert.equal(stream.status, 200, stream.text);
        await stream.until(() => stream.answerText().length > 0, `answer ${index + 1} streaming`);
      }
      const third = await openTurn(url(2), ben, turnBody('A third at once', { model: slow }));
      running.push({ index: 2, stream: third });
      await third.until(() => third.closed || third.answerText().length > 0, 'the third answer or its refusal');
      assert.equal(third.status, 429, `a third answer at once through instance 3: ${third.status} ${third.text}`);
      assert.match(third.text, /being written/);
    } finally {
      for (const { index, stream } of running) {
        const id = stream.conversationId();
        if (id) await stopAnswer(url(index), ben, id).catch(() => {});
        stream.close();
      }
    }
    // The leases went back: a new answer is accepted anywhere.
    await completeTurn(url(2), ben, turnBody('After the others stopped'));
  });

  test('a session or personal access token revoked through one instance is refused everywhere within 1 s', {
    timeout: 60_000,
  }, async (t) => {
    const login = await httpRequest(nginx.url, '/api/auth/login', {
      method: 'POST',
      json: { email: ada.email, password: ada.password },
    });
    assert.equal(login.status, 200, login.text);
    const cookie = sessionCookie(login);
    const everywhere = [url(0), url(1), url(2), nginx.url];
    const me = (base: string, headers: Record<string, string>) => () =>
      httpRequest(base, '/backend-api/me', { headers });
    const cookieHeaders = (base: string) => ({ cookie, origin: base });
    for (const base of everywhere) assert.equal((await me(base, { cookie })()).status, 200, `cookie works on ${base}`);
    const session = await httpRequest(url(1), '/api/auth/session', { headers: { cookie } });
    const accessToken = (session.json as { accessToken?: string }).accessToken;
    assert.ok(accessToken, 'the session gives an access token');

    const created = await httpRequest(url(0), '/backend-api/account/tokens', {
      method: 'POST',
      headers: cookieHeaders(url(0)),
      json: { name: 'multi-instance', expires_in_days: null },
    });
    assert.equal(created.status, 200, created.text);
    const pat = created.json as { id: string; token: string };
    for (const base of everywhere) assert.equal((await me(base, bearer(pat.token))()).status, 200);

    const revoked = await httpRequest(url(2), `/backend-api/account/tokens/${pat.id}`, {
      method: 'DELETE',
      headers: cookieHeaders(url(2)),
    });
    assert.equal(revoked.status, 200, revoked.text);
    const tokenMs = await allAnswerWithin(
      1_000,
      401,
      everywhere.map((base) => [`token on ${base}`, me(base, bearer(pat.token))]),
    );
    assert.equal((await me(url(0), { cookie })()).status, 200, 'the session itself still works');

    const logout = await httpRequest(url(1), '/api/auth/logout', { method: 'POST', headers: cookieHeaders(url(1)) });
    assert.equal(logout.status, 200, logout.text);
    const sessionMs = await allAnswerWithin(1_000, 401, [
      ...everywhere.map((base): [string, () => Promise<HttpReply>] => [`cookie on ${base}`, me(base, { cookie })]),
      ...everywhere.map((base): [string, () => Promise<HttpReply>] => [
        `access token on ${base}`,
        me(base, bearer(accessToken)),
      ]),
    ]);
    t.diagnostic(`refused everywhere after ${Math.round(tokenMs)} ms (token), ${Math.round(sessionMs)} ms (session)`);
  });

  test("the sign-up policy and a user's model access changed through one instance hold on every other at once", {
    timeout: 60_000,
  }, async () => {
    const promoted = await runCli(['user', 'role', '--email', ben.email, '--role', 'admin'], {
      env: cluster.site.env,
    });
    assert.equal(promoted.code, 0, promoted.stderr);
    const login = await httpRequest(url(0), '/api/auth/login', {
      method: 'POST',
      json: { email: ben.email, password: ben.password },
    });
    assert.equal(login.status, 200, login.text);
    const admin = (base: string) => ({ cookie: sessionCookie(login), origin: base });
    const setPolicy = async (base: string, policy: string) => {
      const reply = await httpRequest(base, '/api/admin/settings', {
        method: 'PATCH',
        headers: admin(base),
        json: { signup_policy: policy },
      });
      assert.equal(reply.status, 200, reply.text);
    };
    // Each sign-up from its own address: sign-ups count against the (shared) per-network sign-in limit.
    let signUps = 0;
    const signUp = (base: string) =>
      httpRequest(base, '/api/auth/signup', {
        method: 'POST',
        localAddress: `127.0.5.${++signUps}`,
        json: { email: `new-${randomUUID()}@example.com`, password: 'a long unusual passphrase 42' },
      });

    await setPolicy(url(0), 'open');
    for (const index of [1, 2]) assert.equal((await signUp(url(index))).status, 200, `open on instance ${index + 1}`);
    await setPolicy(url(1), 'closed');
    for (const index of [0, 2]) {
      const refused = await signUp(url(index));
      assert.equal(refused.status, 403, `closed on instance ${index + 1}: ${refused.text}`);
    }

    const me = await httpRequest(url(0), '/backend-api/me', { headers: bearer(ada) });
    const adaId = (me.json as { id: string }).id;
    const restrict = await httpRequest(url(2), `/api/admin/users/${adaId}`, {
      method: 'PATCH',
      headers: admin(url(2)),
      json: { model_access: [quick] },
    });
    assert.equal(restrict.status, 200, restrict.text);
    try {
      for (const index of [0, 1]) {
        const refused = await httpRequest(url(index), '/backend-api/conversation', {
          method: 'POST',
          headers: bearer(ada),
          json: turnBody('not this model', { model: capped }),
        });
        assert.ok(refused.status >= 400 && refused.status < 500, `instance ${index + 1}: ${refused.status}`);
        assert.ok(typeof (refused.json as { detail?: unknown }).detail !== 'undefined', refused.text);
        await completeTurn(url(index), ada, turnBody('this one is allowed', { model: quick }));
      }
    } finally {
      const reset = await httpRequest(url(2), `/api/admin/users/${adaId}`, {
        method: 'PATCH',
        headers: admin(url(2)),
        json: { model_access: null },
      });
      assert.equal(reset.status, 200, reset.text);
    }
  });

  test('nginx streams answers unbuffered, and backchat logs and limits by the address nginx forwards', {
    timeout: 60_000,
  }, async (t) => {
    const stream = await openTurn(nginx.url, ada, turnBody('Stream me through nginx', { model: slow }), {
      background: false,
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-for': '203.0.113.50' },
    });
    let conversationId: string | undefined;
    try {
      assert.equal(stream.status, 200, stream.text);
      assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
      await stream.until(() => stream.answerText().length > 0, 'the first token through nginx', 10_000);
      conversationId = stream.conversationId();
      assert.ok(conversationId);
      const answerId = stream.finalMessage()?.id ?? '';
      const live = await storedMessage(url(0), ada, conversationId, answerId);
      assert.equal(live?.status, 'in_progress', 'the first token arrived while the answer was still being written');
      assert.equal(stream.done(), false);
      t.diagnostic(`first token after ${stream.events.length} events, the answer still in progress`);

      // The client leaves: nginx closes its request to the instance, which stops the answer.
      stream.close();
      const ended = await pollUntil(
        async () => {
          const message = await storedMessage(url(1), ada, conversationId ?? '', answerId);
          return message && message.status !== 'in_progress' ? message : undefined;
        },
        'the answer to stop once the client left nginx',
        { timeoutMs: 5_000, intervalMs: 100 },
      );
      assert.equal(ended.metadata.finish_details?.type, 'interrupted');
    } finally {
      stream.close();
    }

    const logged = instances.flatMap((instance) => loggedRequests(instance));
    const turn = logged.find(
      (entry) =>
        entry.method === 'POST' && entry.url === '/backend-api/conversation' && entry.remoteAddress !== '127.0.0.1',
    );
    assert.equal(
      turn?.remoteAddress,
      '127.0.0.2',
      "the turn is logged with the client's address, not the one it claimed",
    );

    // Failed sign-ins from one network (each claiming another address) are counted against that network:
    // at most `loginsPerNetwork` per instance even without shared counters, so 3 × that + 1 must be refused.
    const attempt = (n: number, localAddress: string) =>
      httpRequest(nginx.url, '/api/auth/login', {
        method: 'POST',
        json: { email: `nobody-${n}@example.com`, password: 'not the password at all' },
        headers: { 'x-forwarded-for': `198.51.100.${n}` },
        localAddress,
      });
    const statuses: number[] = [];
    for (let n = 1; n <= loginsPerNetwork * instances.length + 1; n++) {
      const reply = await attempt(n, '127.0.0.3');
      statuses.push(reply.status);
      if (reply.status === 429) break;
    }
    t.diagnostic(`sign-in attempts from 127.0.0.3: ${statuses.join(' ')}`);
    assert.equal(statuses.at(-1), 429, 'the network that made too many attempts is refused');
    assert.ok(
      statuses.slice(0, -1).every((status) => status === 401),
      'the earlier attempts were only wrong passwords',
    );
    assert.equal((await attempt(99, '127.0.0.4')).status, 401, 'another network is not');
  });

  test('SIGKILL mid-answer: another instance marks it interrupted once its lease expires; the user carries on', {
    timeout: 60_000,
  }, async (t) => {
    const origin = await openTurn(url(0), ada, turnBody('Keep writing until you are killed', { model: slow }));
    assert.equal(origin.status, 200, origin.text);
    await origin.until(() => origin.answerText().length > 0, 'the answer to start');
    const conversationId = origin.conversationId() ?? '';
    const answerId = origin.finalMessage()?.id ?? '';
    // The checkpoint (at most once a second) is what survives the kill.
    const checkpoint = await pollUntil(
      async () => {
        const message = await storedMessage(url(1), ada, conversationId, answerId);
        return message?.status === 'in_progress' && message.content.parts[0] ? message.content.parts[0] : undefined;
      },
      'a checkpoint of the partial text',
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    await cluster.kill(0);
    const killedAt = performance.now();
    let poll = 0;
    const interrupted = await pollUntil(
      async () => {
        const base = url(1 + (poll++ % 2));
        const message = await storedMessage(base, ada, conversationId, answerId);
        return message && message.status !== 'in_progress' ? message : undefined;
      },
      'another instance to mark the answer interrupted',
      { timeoutMs: leaseSeconds * 1000 + 10_000, intervalMs: 100 },
    );
    t.diagnostic(
      `marked interrupted ${Math.round(performance.now() - killedAt)} ms after the kill (lease ${leaseSeconds} s)`,
    );
    assert.equal(interrupted.status, 'finished_partial_completion');
    assert.equal(interrupted.metadata.finish_details?.type, 'interrupted');
    const kept = interrupted.content.parts[0] ?? '';
    assert.ok(
      kept.length >= checkpoint.length && origin.answerText().startsWith(kept),
      'the checkpointed text is kept',
    );

    // nginx finds the dead instance refusing connections and passes the (never sent) POST on.
    const next = await completeTurn(
      nginx.url,
      ada,
      turnBody('You were cut off; go on', { conversationId, parent: answerId }),
    );
    const stored = (await getConversation(url(2), ada, conversationId)).json as StoredConversation;
    assert.equal(stored.current_node, next.answer.id);
    const status = await pollUntil(
      async () => {
        const reply = await httpRequest(url(1), `/backend-api/conversation/${conversationId}/stream_status`, {
          headers: bearer(ada),
        });
        return (reply.json as { status?: string }).status === 'IS_NOT_STREAMING' ? reply : undefined;
      },
      "stream_status to stop reporting the dead instance's answer",
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    assert.equal(status.status, 200);
  });
});
