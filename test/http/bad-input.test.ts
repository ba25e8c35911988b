/**
 * Bad input over real loopback HTTP on SQLite and PostgreSQL (docs/security.md, pattern 2):
 * every rejection is the right 4xx with a `{"detail": …}` JSON body that reveals nothing internal, and
 * the database digest is unchanged by it. Valid-but-odd input (unknown keys, -0, unusual Unicode) is
 * accepted with no side effect beyond what it asks for, and stored byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { AccessTokens } from '../../src/auth/access-token.js';
import { epochSeconds } from '../../src/clock.js';
import { randomIds } from '../../src/ids.js';
import {
  type BadInputCase,
  contentTypeCases,
  duplicateKeyCases,
  type ErrorResponse,
  errorContractProblems,
  fieldCapCases,
  hugeBodyCases,
  invalidIdCases,
  malformedJsonCases,
  methodCases,
  nestedArrays,
  nestingCases,
  numberCases,
  prototypePollutionCases,
  unknownIdCases,
  unstorableTextCases,
  validTurn,
  wrongTypeCases,
} from '../helpers/bad-inputs.js';
import { forEachDatabase } from '../helpers/databases.js';
import { rawHttp } from '../helpers/raw-http.js';
import { sessionAccessToken, startTestServer, type TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

interface SeedIds {
  conversation: string;
  assistant: string;
  user: string;
}

const seedUserMessageId = 'aaa27fdc-adfc-4e97-8383-7be26db9b001';

/** Replaces `{conversation}`, `{assistant}`, `{user}` (bytes stay bytes: latin1 maps them 1:1). */
function fill(text: string, ids: SeedIds): string {
  return text.replace(/\{(conversation|assistant|user)\}/g, (_match, name: keyof SeedIds) => ids[name]);
}

function fillBody(body: string | Uint8Array, ids: SeedIds): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  return Buffer.from(fill(bytes.toString('latin1'), ids), 'latin1');
}

async function send(
  server: TestServer,
  testCase: BadInputCase,
  ids: SeedIds,
  authorization?: string,
): Promise<ErrorResponse> {
  const headers: Record<string, string> = { ...testCase.headers };
  if (authorization !== undefined) headers.authorization = authorization;
  const body = testCase.body === undefined ? undefined : fillBody(testCase.body, ids);
  const contentType = testCase.contentType === undefined && body ? 'application/json' : testCase.contentType;
  if (contentType) headers['content-type'] = contentType;
  const method = testCase.method ?? 'POST';
  const path = fill(testCase.path, ids);
  if (testCase.raw) {
    const response = await rawHttp(server.url, { method, path, headers, ...(body && { body }) });
    return { status: response.status, contentType: response.headers.get('content-type') ?? null, text: response.body };
  }
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body && { body: new Uint8Array(body) }),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

const caseGroups: ReadonlyArray<readonly [string, readonly BadInputCase[]]> = [
  ['malformed JSON', malformedJsonCases],
  ['content type', contentTypeCases],
  ['wrong types', wrongTypeCases],
  ['unstorable text', unstorableTextCases],
  ['deep nesting', nestingCases],
  ['huge bodies', hugeBodyCases],
  ['invalid ids', invalidIdCases],
  ['prototype pollution', prototypePollutionCases],
  ['duplicate keys', duplicateKeyCases],
  ['numbers', numberCases],
  ['field caps', fieldCapCases],
  ['methods', methodCases],
];

const missingTokenBody = { detail: { message: 'Unauthorized - Access token is missing' } };
const invalidTokenBody = { detail: 'Could not parse your authentication token. Please try signing in again.' };
const expiredTokenBody = {
  detail: {
    message: 'Your authentication token has expired. Please try signing in again.',
    type: 'invalid_request_error',
    param: null,
    code: 'token_expired',
  },
};

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Requests that must all answer 401 before their (often bad) body is looked at. */
const protectedRequests: BadInputCase[] = [
  {
    name: 'POST conversation, nested 10,000 deep',
    path: '/backend-api/conversation',
    body: nestedArrays(10_000),
    status: [401],
  },
  { name: 'POST conversation, truncated', path: '/api/conversation', body: '{"action":', status: [401] },
  {
    name: 'POST conversation, valid',
    path: '/backend-api/conversation',
    body: JSON.stringify(validTurn),
    status: [401],
  },
  { name: 'GET conversation', method: 'GET', path: '/backend-api/conversation/{conversation}', status: [401] },
  {
    name: 'PATCH hide',
    method: 'PATCH',
    path: '/api/conversation/{conversation}',
    body: '{"is_visible":false}',
    status: [401],
  },
  { name: 'DELETE conversation', method: 'DELETE', path: '/backend-api/conversation/{conversation}', status: [401] },
  { name: 'gen_title', path: '/backend-api/conversation/gen_title/{conversation}', body: '{}', status: [401] },
  { name: 'message_feedback', path: '/backend-api/conversation/message_feedback', body: '{"rating":1}', status: [401] },
  { name: 'lat/r', path: '/backend-api/lat/r', body: '{"__proto__":{}}', status: [401] },
  {
    name: 'ces/v1/b 600 KB',
    path: '/ces/v1/b',
    body: JSON.stringify({ batch: [], pad: 'x'.repeat(600 * 1024) }),
    status: [401],
  },
  { name: 'GET conversations bad query', method: 'GET', path: '/backend-api/conversations?limit=abc', status: [401] },
  {
    name: 'PATCH conversations clear all',
    method: 'PATCH',
    path: '/backend-api/conversations',
    body: '{"is_visible":false}',
    status: [401],
  },
];

function chunked(body: string, chunkBytes: number): Buffer {
  const data = Buffer.from(body);
  const parts: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    const chunk = data.subarray(offset, offset + chunkBytes);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

forEachDatabase((kind) => {
  let server: TestServer;
  let ids: SeedIds;
  /** The digest after the last request; each rejection must leave it as it was. */
  let digest: string;
  let bearer: string;

  before(async () => {
    server = await startTestServer(kind);
    bearer = `Bearer ${server.alice.token}`;
    const first = await sendTurn(server, server.alice, {
      action: 'next',
      messages: [userMessage('Seed question', seedUserMessageId)],
    });
    ids = { conversation: first.conversationId, assistant: first.final.id, user: seedUserMessageId };
    digest = await server.db.digest();
  });
  after(() => server.close());

  /** Sends the case and returns the problems with its answer; a 2xx the case allows skips the checks. */
  async function rejectionProblems(
    testCase: BadInputCase,
    authorization = bearer,
  ): Promise<{ response: ErrorResponse; problems: string[] }> {
    const previous = digest;
    const response = await send(server, testCase, ids, authorization);
    // An accepted analytics batch is written after its answer: before the digest, not during the next case.
    await server.deps.telemetry.flush();
    digest = await server.db.digest();
    if (response.status < 300 && testCase.status.includes(response.status)) return { response, problems: [] };
    const problems = errorContractProblems(response, testCase);
    if (digest !== previous) problems.push('the database changed');
    return { response, problems };
  }

  for (const [group, cases] of caseGroups) {
    for (const testCase of cases) {
      test(`${kind}: ${group}: ${testCase.name}`, async () => {
        const { problems } = await rejectionProblems(testCase);
        assert.deepEqual(problems, []);
      });
    }
  }

  test(`${kind}: well-formed unknown ids answer ChatGPT's conversation_not_found`, async () => {
    for (const testCase of unknownIdCases) {
      const { response, problems } = await rejectionProblems(testCase);
      assert.deepEqual(problems, [], testCase.name);
      assert.deepEqual(JSON.parse(response.text), JSON.parse(testCase.exactBody), testCase.name);
    }
  });

  test(`${kind}: a declared 100 MB Content-Length is refused without reading it`, async () => {
    for (const path of ['/backend-api/conversation', '/ces/v1/b']) {
      const previous = await server.db.digest();
      const headers = {
        authorization: bearer,
        'content-type': 'application/json',
        'content-length': String(100 * 1024 * 1024),
      };
      const response = await rawHttp(server.url, { method: 'POST', path, headers, body: '{"action":"next"}' }, 5000);
      const answer = {
        status: response.status,
        contentType: response.headers.get('content-type') ?? null,
        text: response.body,
      };
      assert.deepEqual(errorContractProblems(answer, { status: [413, 400] }), [], path);
      assert.equal(await server.db.digest(), previous, path);
    }
  });

  test(`${kind}: a chunked body with no length is cut at the limit`, async () => {
    const previous = await server.db.digest();
    const headers = { authorization: bearer, 'content-type': 'application/json', 'transfer-encoding': 'chunked' };
    const body = chunked(fill(JSON.stringify({ ...validTurn, pad: 'x'.repeat(2 * 1024 * 1024) }), ids), 64 * 1024);
    const response = await rawHttp(
      server.url,
      { method: 'POST', path: '/backend-api/conversation', headers, body },
      5000,
    );
    const answer = {
      status: response.status,
      contentType: response.headers.get('content-type') ?? null,
      text: response.body,
    };
    assert.deepEqual(errorContractProblems(answer, { status: [413] }), []);
    assert.equal(await server.db.digest(), previous);
  });

  test(`${kind}: a gzip bomb is neither inflated nor accepted`, async () => {
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(10 * 1024 * 1024, 'x'), Buffer.from('"}')]),
    );
    const testCase: BadInputCase = {
      name: 'gzip',
      path: '/backend-api/conversation',
      body: bomb,
      headers: { 'content-encoding': 'gzip' },
      status: [400, 413, 415],
    };
    const { problems } = await rejectionProblems(testCase);
    assert.deepEqual(problems, []);
  });

  test(`${kind}: bad credentials are 401 before the body is read, with ChatGPT's bodies`, async () => {
    const now = epochSeconds(server.deps.clock.now());
    const expired = await sessionAccessToken(server.deps, server.alice.id, now - 60);
    const claims = {
      sub: server.alice.id,
      iss: 'backchat',
      aud: 'backchat-api',
      iat: Math.floor(now),
      exp: Math.floor(now) + 3600,
    };
    const algNone = `${base64UrlJson({ alg: 'none', typ: 'JWT' })}.${base64UrlJson(claims)}.`;
    const { sessionId } = await sessionAccessToken(server.deps, server.alice.id);
    const otherSecret = await new AccessTokens(randomIds.secret(), randomIds).sign(
      server.alice.id,
      sessionId,
      now,
      now + 3600,
    );
    const secret = (await server.deps.store.getSetting('access_token_secret')) ?? '';
    const ghost = {
      token: await new AccessTokens(secret, randomIds).sign(
        'user-NoSuchUserAnywhere000000',
        sessionId,
        now,
        now + 3600,
      ),
    };
    const [header, , signature] = server.alice.token.split('.');
    const tampered = `${header}.${base64UrlJson({ ...claims, sub: server.bob.id })}.${signature}`;
    const identities: Array<[string, string | undefined, unknown]> = [
      ['no Authorization', undefined, missingTokenBody],
      ['Bearer garbage', 'Bearer garbage', invalidTokenBody],
      ['expired token', `Bearer ${expired.token}`, expiredTokenBody],
      ['alg: none', `Bearer ${algNone}`, invalidTokenBody],
      ['another secret', `Bearer ${otherSecret}`, invalidTokenBody],
      ['tampered payload', `Bearer ${tampered}`, invalidTokenBody],
      ['unknown user', `Bearer ${ghost.token}`, invalidTokenBody],
    ];
    const previous = await server.db.digest();
    for (const [identity, authorization, expectedBody] of identities) {
      for (const request of protectedRequests) {
        const response = await send(server, request, ids, authorization);
        const label = `${identity}: ${request.name}`;
        assert.deepEqual(errorContractProblems(response, request), [], label);
        assert.deepEqual(JSON.parse(response.text), expectedBody, label);
      }
    }
    assert.equal(await server.db.digest(), previous);
  });

  test(`${kind}: unknown top-level keys (user_id, owner_id, is_admin) are ignored`, async () => {
    const { alice, bob } = server;
    const aliceList = await (await server.request('/backend-api/conversations', { as: alice })).json();
    const forged = { user_id: alice.id, owner_id: alice.id, is_admin: true, isAdmin: true };
    const turn = await sendTurn(server, bob, {
      action: 'next',
      ...forged,
      role: 'admin',
      messages: [{ ...userMessage('Mine, says Bob'), ...forged }],
    });
    assert.deepEqual(await (await server.request('/backend-api/conversations', { as: alice })).json(), aliceList);
    assert.equal((await server.request(`/backend-api/conversation/${turn.conversationId}`, { as: alice })).status, 404);
    assert.ok(await server.deps.store.getConversation(bob.id, turn.conversationId));
    assert.equal((await server.deps.store.getUserById(bob.id))?.role, 'user');

    const renamed = await server.request(`/backend-api/conversation/${ids.conversation}`, {
      method: 'PATCH',
      as: alice,
      json: { title: 'Still Alice', ...forged, owner_id: bob.id, user_id: bob.id },
    });
    assert.equal(renamed.status, 200);
    assert.equal((await server.request(`/backend-api/conversation/${ids.conversation}`, { as: bob })).status, 404);
    const feedback = await server.request('/backend-api/conversation/message_feedback', {
      method: 'POST',
      as: alice,
      json: { message_id: ids.assistant, conversation_id: ids.conversation, rating: 'thumbsUp', user_id: bob.id },
    });
    assert.equal(((await feedback.json()) as { user_id?: unknown }).user_id, alice.id);
    const batch = await server.request('/ces/v1/b', {
      method: 'POST',
      as: alice,
      json: { user_id: bob.id, batch: [{ type: 'track', userId: bob.id, event: 'x' }] },
    });
    assert.equal(batch.status, 200);
    await server.deps.telemetry.flush();
    assert.deepEqual(await server.deps.store.listAnalyticsEvents(bob.id), []);
    assert.equal((await server.deps.store.listAnalyticsEvents(alice.id)).at(-1)?.claimedUserId, bob.id);
    assert.equal((await server.deps.store.getUserById(alice.id))?.role, 'admin');
  });

  test(`${kind}: -0 where an integer is fine is accepted (or refused), never a 500`, async () => {
    const bodies: Array<[string, string]> = [
      [
        '/backend-api/conversation',
        fill(
          JSON.stringify({ ...validTurn, timezone_offset_min: 0 }).replace(
            '"timezone_offset_min":0',
            '"timezone_offset_min":-0',
          ),
          ids,
        ),
      ],
      ['/backend-api/lat/r', '{"preflight_time_ms":-0,"count_tokens":-0}'],
    ];
    for (const [path, body] of bodies) {
      const response = await server.request(path, {
        method: 'POST',
        as: server.alice,
        body,
        headers: { 'content-type': 'application/json' },
      });
      const text = await response.text();
      assert.ok(
        response.status === 200 || response.status === 400,
        `${path}: ${response.status} ${text.slice(0, 200)}`,
      );
    }
  });

  test(`${kind}: valid unusual Unicode is stored and returned byte for byte`, async () => {
    const texts = [
      'NUL\u0000inside',
      'RLO \u202Egnp.exe',
      'family 👩‍👩‍👧‍👦 and 🏳️‍🌈',
      'four-byte 😀 𝄞 𠜎',
      'NFD e\u0301 A\u030A vs NFC é Å',
      '\u200B\u200D\uFEFF zero widths',
    ];
    const id = 'aaa60000-1111-4222-8333-444455556666';
    const turn = await sendTurn(server, server.alice, {
      action: 'next',
      messages: [{ ...userMessage('x', id), content: { content_type: 'text', parts: texts } }],
    });
    const title = 'Ti\u202Etle 👩‍👩‍👧‍👦 e\u0301';
    const patched = await server.request(`/backend-api/conversation/${turn.conversationId}`, {
      method: 'PATCH',
      as: server.alice,
      json: { title },
    });
    assert.equal(patched.status, 200);
    const detail = (await (
      await server.request(`/backend-api/conversation/${turn.conversationId}`, { as: server.alice })
    ).json()) as {
      title: string;
      mapping: Record<string, { message: { content: { parts: string[] } } | null }>;
    };
    assert.deepEqual(detail.mapping[id]?.message?.content.parts, texts);
    assert.equal(detail.title, title);
  });

  test(`${kind}: a lone surrogate in a message is refused or kept exactly, never a 500`, async () => {
    const id = 'aaa70000-1111-4222-8333-444455556666';
    const body = JSON.stringify({ action: 'next', messages: [userMessage('LONE', id)] }).replace('LONE', 'a\\ud800b');
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      body,
      headers: { 'content-type': 'application/json' },
    });
    const text = await response.text();
    assert.ok(response.status === 200 || response.status === 400, `${response.status} ${text.slice(0, 200)}`);
  });

  test(`${kind}: afterwards the server is alive, no prototype is polluted, the trees are sound`, async () => {
    const health = await server.request('/healthz');
    assert.deepEqual(await health.json(), { status: 'ok' });
    const plain: Record<string, unknown> = {};
    assert.equal(plain.isAdmin, undefined);
    assert.equal(plain.x, undefined);
    assert.deepEqual(await checkTreeInvariants(server.db.config), []);
  });
});
