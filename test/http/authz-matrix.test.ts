/**
 * The authorization matrix (docs/security.md), generated from the server's route
 * table: every route × every prefix it lives at × {owner, other user, anonymous, expired token, bad
 * signature, `alg: none`, wrong audience, revoked token, disabled user, personal access token, session
 * cookie from a foreign origin} answers as specified — others' ids → 404 (no existence oracle), bad
 * credentials → 401 with ChatGPT's bodies, non-admins → 403 on admin routes, personal access tokens → 403
 * on account management, cross-site cookie requests → 403 — and no rejected request changes the database.
 * A route without a row here fails this test: adding a route means deciding who may call it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { AccessTokens } from '../../src/auth/access-token.js';
import { hashSecret, newPersonalToken, personalTokenDisplayPrefix } from '../../src/auth/secrets.js';
import { randomIds } from '../../src/ids.js';
import { expiredTokenBody, invalidTokenBody, missingTokenBody } from '../../src/protocol/error-bodies.js';
import { listRoutes } from '../../src/server/app.js';
import { type RouteSpec, sessionCookie } from '../../src/server/route-table.js';
import { seedAnalyticsBatch, seedLatencyReport } from '../fixtures/seed/seed-bodies.js';
import { forEachDatabase } from '../helpers/databases.js';
import { sessionAccessToken, startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

/** Objects of Alice's that a request can name; made fresh for every request that may succeed. */
interface Fixture {
  conversationId: string;
  assistantId: string;
  sessionId: string;
  tokenId: string;
  inviteId: string;
  /** A (private) share of the conversation. */
  shareId: string;
}

interface Built {
  path: string;
  json?: unknown;
}

/**
 * One row per route: the request its owner makes, and what a valid *other* user gets when making the
 * same request — `notFound` (the object is someone else's), `forbidden` (admin routes), `own` (the route
 * answers about the caller's own data), or a status of its own.
 */
interface Row {
  build(fixture: Fixture, state: MatrixState): Built;
  other: 'notFound' | 'forbidden' | 'own' | number;
  /** After the owner's request succeeded (e.g. remember a changed password). */
  afterOwner?(state: MatrixState, built: Built): void;
}

/** Public routes: the status every identity gets (credentials do not matter to them). */
interface PublicRow {
  build(state: MatrixState): Built;
  status: number;
}

interface MatrixState {
  alicePassword: string;
  counter: number;
  /** Carol, the user the admin routes act on. */
  targetUserId: string;
}

const rows: Record<string, Row> = {
  'POST /conversation': {
    build: (f) => ({
      path: '/conversation',
      json: {
        action: 'next',
        conversation_id: f.conversationId,
        parent_message_id: f.assistantId,
        model: 'demo',
        messages: [userMessage('And then?')],
      },
    }),
    other: 'notFound',
  },
  'GET /conversations': { build: () => ({ path: '/conversations?offset=0&limit=28' }), other: 'own' },
  'PATCH /conversations': { build: () => ({ path: '/conversations', json: { is_visible: false } }), other: 'own' },
  'DELETE /conversations': { build: () => ({ path: '/conversations' }), other: 'own' },
  // Searches the caller's own conversations only (test/http/search.test.ts checks another's never appear).
  'GET /conversations/search': { build: () => ({ path: '/conversations/search?query=then' }), other: 'own' },
  'GET /conversation/:id': { build: (f) => ({ path: `/conversation/${f.conversationId}` }), other: 'notFound' },
  'PATCH /conversation/:id': {
    build: (f) => ({ path: `/conversation/${f.conversationId}`, json: { title: 'Renamed' } }),
    other: 'notFound',
  },
  'DELETE /conversation/:id': { build: (f) => ({ path: `/conversation/${f.conversationId}` }), other: 'notFound' },
  'POST /conversation/gen_title/:id': {
    build: (f) => ({ path: `/conversation/gen_title/${f.conversationId}`, json: { message_id: f.assistantId } }),
    other: 'notFound',
  },
  'POST /conversation/message_feedback': {
    build: (f) => ({
      path: '/conversation/message_feedback',
      json: { conversation_id: f.conversationId, message_id: f.assistantId, rating: 'thumbsUp' },
    }),
    other: 'notFound',
  },
  'GET /conversation/:id/stream_status': {
    build: (f) => ({ path: `/conversation/${f.conversationId}/stream_status` }),
    other: 'notFound',
  },
  // The fixture's answer has just ended: its events are still kept for late readers.
  'GET /conversation/:id/stream': {
    build: (f) => ({ path: `/conversation/${f.conversationId}/stream` }),
    other: 'notFound',
  },
  'POST /conversation/resume': {
    build: (f) => ({ path: '/conversation/resume', json: { conversation_id: f.conversationId, offset: 0 } }),
    other: 'notFound',
  },
  'POST /conversation/:id/stop': {
    build: (f) => ({ path: `/conversation/${f.conversationId}/stop` }),
    other: 'notFound',
  },
  'GET /conversation/:id/feedback': {
    build: (f) => ({ path: `/conversation/${f.conversationId}/feedback` }),
    other: 'notFound',
  },
  'GET /accounts/check/v4-2023-04-27': { build: () => ({ path: '/accounts/check/v4-2023-04-27' }), other: 'own' },
  'GET /accounts/check': { build: () => ({ path: '/accounts/check' }), other: 'own' },
  'GET /me': { build: () => ({ path: '/me' }), other: 'own' },
  'GET /settings/user': { build: () => ({ path: '/settings/user' }), other: 'own' },
  'GET /account/sessions': { build: () => ({ path: '/account/sessions' }), other: 'own' },
  'DELETE /account/sessions/:id': { build: (f) => ({ path: `/account/sessions/${f.sessionId}` }), other: 'notFound' },
  'POST /account/sessions/revoke_others': { build: () => ({ path: '/account/sessions/revoke_others' }), other: 'own' },
  'POST /account/password': {
    build: (_f, state) => ({
      path: '/account/password',
      json: { current_password: state.alicePassword, new_password: `alice renewed password ${state.counter++}` },
    }),
    // Bob does not know Alice's password: his own account refuses the change.
    other: 400,
    afterOwner: (state, built) => {
      state.alicePassword = (built.json as { new_password: string }).new_password;
    },
  },
  'GET /account/tokens': { build: () => ({ path: '/account/tokens' }), other: 'own' },
  'POST /account/tokens': {
    build: () => ({ path: '/account/tokens', json: { name: 'matrix', expires_in_days: 1 } }),
    other: 'own',
  },
  'DELETE /account/tokens/:id': { build: (f) => ({ path: `/account/tokens/${f.tokenId}` }), other: 'notFound' },
  'GET /admin/users': { build: () => ({ path: '/admin/users' }), other: 'forbidden' },
  'POST /admin/users': {
    build: (_f, state) => ({
      path: '/admin/users',
      json: { email: `made-${state.counter++}@example.com`, password: 'a long enough password' },
    }),
    other: 'forbidden',
  },
  'PATCH /admin/users/:id': {
    build: (_f, state) => ({ path: `/admin/users/${state.targetUserId}`, json: { name: 'Carol Renamed' } }),
    other: 'forbidden',
  },
  'POST /admin/users/:id/password': {
    build: (_f, state) => ({
      path: `/admin/users/${state.targetUserId}/password`,
      json: { password: `carol reset password ${state.counter++}` },
    }),
    other: 'forbidden',
  },
  'GET /admin/invites': { build: () => ({ path: '/admin/invites' }), other: 'forbidden' },
  'POST /admin/invites': { build: () => ({ path: '/admin/invites', json: {} }), other: 'forbidden' },
  'DELETE /admin/invites/:id': { build: (f) => ({ path: `/admin/invites/${f.inviteId}` }), other: 'forbidden' },
  'GET /admin/settings': { build: () => ({ path: '/admin/settings' }), other: 'forbidden' },
  'PATCH /admin/settings': {
    build: () => ({ path: '/admin/settings', json: { signup_policy: 'invite' } }),
    other: 'forbidden',
  },
  'GET /models': { build: () => ({ path: '/models' }), other: 'own' },
  'GET /prompt_library/': { build: () => ({ path: '/prompt_library/?limit=4&offset=0' }), other: 'own' },
  'GET /public-api/conversation_limit': { build: () => ({ path: '/public-api/conversation_limit' }), other: 'own' },
  'GET /conversation_limit': { build: () => ({ path: '/conversation_limit' }), other: 'own' },
  'POST /ces/v1/b': { build: () => ({ path: '/ces/v1/b', json: seedAnalyticsBatch }), other: 'own' },
  'POST /lat/r': { build: () => ({ path: '/lat/r', json: seedLatencyReport }), other: 'own' },
  // Import and export act on the caller's own history (test/history/data-routes.test.ts checks that
  // an export never holds another user's conversations).
  'POST /accounts/data_import': { build: () => ({ path: '/accounts/data_import', json: [] }), other: 'own' },
  'POST /accounts/data_export': { build: () => ({ path: '/accounts/data_export', json: {} }), other: 'own' },
  'GET /accounts/data_export/download': { build: () => ({ path: '/accounts/data_export/download' }), other: 'own' },
  'POST /share/create': {
    build: (f) => ({
      path: '/share/create',
      json: { conversation_id: f.conversationId, current_node_id: f.assistantId },
    }),
    other: 'notFound',
  },
  'PATCH /share/:id': { build: (f) => ({ path: `/share/${f.shareId}`, json: { is_public: true } }), other: 'notFound' },
  'GET /shared_conversations': { build: () => ({ path: '/shared_conversations?order=created' }), other: 'own' },
  'DELETE /share/:id': { build: (f) => ({ path: `/share/${f.shareId}` }), other: 'notFound' },
  // The share path one client library deletes at (docs/decisions/2026-12-02-share-links.md).
  'DELETE /:id': { build: (f) => ({ path: `/${f.shareId}` }), other: 'notFound' },
  'POST /share/:id/continue': { build: (f) => ({ path: `/share/${f.shareId}/continue` }), other: 'notFound' },
};

const publicRows: Record<string, PublicRow> = {
  'GET /api/auth/session': { build: () => ({ path: '/api/auth/session' }), status: 200 },
  'POST /api/auth/login': {
    build: () => ({ path: '/api/auth/login', json: { email: 'alice@example.com', password: 'not her password' } }),
    status: 401,
  },
  'GET /api/auth/setup': { build: () => ({ path: '/api/auth/setup' }), status: 200 },
  'POST /api/auth/setup': {
    build: () => ({ path: '/api/auth/setup', json: { email: 'eve@example.com', password: 'eve long password' } }),
    status: 403,
  },
  'POST /api/auth/signup': {
    build: () => ({ path: '/api/auth/signup', json: { email: 'eve@example.com', password: 'eve long password' } }),
    status: 403,
  },
  'GET /api/auth/invites/:token': { build: () => ({ path: '/api/auth/invites/not-an-invite' }), status: 404 },
  'POST /api/auth/logout': { build: () => ({ path: '/api/auth/logout' }), status: 200 },
  // No such share, for everyone: a private share's 404 to others is in the rows above and test/http/share.test.ts.
  'GET /share/:id': { build: () => ({ path: `/backend-api/share/${randomIds.uuid()}` }), status: 404 },
};

/** The credentials each identity sends, made once per server. */
interface Identities {
  anonymous: Record<string, string>;
  'expired token': Record<string, string>;
  'bad signature': Record<string, string>;
  'alg: none': Record<string, string>;
  'wrong audience': Record<string, string>;
  'revoked token': Record<string, string>;
  'disabled user': Record<string, string>;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const base64UrlJson = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function makeIdentities(server: TestServer): Promise<Identities> {
  const { deps, alice } = server;
  const now = Math.floor(Date.now() / 1000);
  const secret = (await deps.store.getSetting('access_token_secret')) ?? '';
  const live = await sessionAccessToken(deps, alice.id);
  const expired = await sessionAccessToken(deps, alice.id, now - 60);
  const [header, payload, signature = ''] = live.token.split('.');
  const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
  const claims = {
    sub: alice.id,
    sid: live.sessionId,
    iss: 'backchat',
    aud: 'backchat-api',
    iat: now,
    exp: now + 3600,
  };
  const wrongAudience = await new SignJWT({ sid: live.sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(alice.id)
    .setIssuer('backchat')
    .setAudience('some-other-api')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(secret));
  const revoked = await sessionAccessToken(deps, alice.id);
  assert.ok(await deps.store.deleteSessionById(alice.id, revoked.sessionId));
  const dora = await deps.auth.createUser({ email: 'dora@example.com', password: 'dora long password' });
  const disabled = await sessionAccessToken(deps, dora.id);
  await deps.store.updateUser(dora.id, { disabled: true });
  // Sanity: the tokens are otherwise well-formed (the live one works; the signer is the server's).
  assert.ok((await new AccessTokens(secret, randomIds).verify(live.token, now)).ok);
  return {
    anonymous: {},
    'expired token': bearer(expired.token),
    'bad signature': bearer(`${header}.${payload}.${flipped}`),
    'alg: none': bearer(`${base64UrlJson({ alg: 'none', typ: 'JWT' })}.${base64UrlJson(claims)}.`),
    'wrong audience': bearer(wrongAudience),
    'revoked token': bearer(revoked.token),
    'disabled user': bearer(disabled.token),
  };
}

const credentialBodies: Record<keyof Identities, unknown> = {
  anonymous: missingTokenBody,
  'expired token': expiredTokenBody,
  'bad signature': invalidTokenBody,
  'alg: none': invalidTokenBody,
  'wrong audience': invalidTokenBody,
  'revoked token': invalidTokenBody,
  'disabled user': invalidTokenBody,
};

function routeKey(route: RouteSpec): string {
  return `${route.method} ${route.path}`;
}

forEachDatabase((kind) => {
  let server: TestServer;
  let identities: Identities;
  let canary: string;
  /** Alice's personal access token (nothing in the matrix revokes it). */
  let personalToken: string;
  /** Tokens planted by fixtures, removed after each row so the per-user token cap is never reached. */
  const plantedTokens: string[] = [];
  const state: MatrixState = { alicePassword: '', counter: 0, targetUserId: '' };

  /** A personal access token written straight to the store (the matrix needs more than the per-user cap). */
  async function plantToken(userId: string) {
    const token = newPersonalToken();
    const record = {
      id: randomIds.uuid(),
      userId,
      name: 'matrix',
      tokenHash: hashSecret(token),
      prefix: personalTokenDisplayPrefix(token),
      createTime: Date.now() / 1000,
      expireTime: null,
      lastUsedTime: null,
    };
    await server.deps.store.createPersonalAccessToken(record);
    return { record, token };
  }

  /** A conversation of Alice's with a canary in its title and messages, plus a spare session, token and invite. */
  async function freshFixture(): Promise<Fixture> {
    const { deps } = server;
    // A session of its own: earlier rows end Alice's sessions on purpose (sign out others, password change).
    const alice = { ...server.alice, token: (await sessionAccessToken(deps, server.alice.id)).token };
    const turn = await sendTurn(server, alice, {
      action: 'next',
      model: 'demo',
      parent_message_id: randomIds.uuid(),
      messages: [userMessage(`Remember ${canary}`)],
    });
    await deps.store.updateConversation(alice.id, turn.conversationId, { title: `Title ${canary}` });
    const shared = await server.request('/backend-api/share/create', {
      method: 'POST',
      as: alice,
      json: { conversation_id: turn.conversationId, current_node_id: turn.final.id },
    });
    const { share_id: shareId } = (await shared.json()) as { share_id: string };
    const user = await deps.store.getUserById(alice.id);
    assert.ok(user);
    const { session } = await deps.auth.openSession(user, 'matrix fixture');
    const token = await plantToken(alice.id);
    plantedTokens.push(token.record.id);
    const invite = await deps.admin.createInvite(alice.id, {});
    return {
      conversationId: turn.conversationId,
      assistantId: turn.final.id,
      sessionId: session.id,
      tokenId: token.record.id,
      inviteId: invite.invite.id,
      shareId,
    };
  }

  /** A fresh session of Alice's, as a bearer token and as a cookie (each row may end sessions). */
  async function aliceCredentials() {
    const user = await server.deps.store.getUserById(server.alice.id);
    assert.ok(user);
    const bearerToken = (await sessionAccessToken(server.deps, user.id)).token;
    const cookie = (await server.deps.auth.openSession(user, 'matrix cookie')).sessionToken;
    return { bearerToken, cookie, personal: personalToken };
  }

  before(async () => {
    // Limits off: the matrix makes hundreds of turns and failed sign-ins on purpose.
    server = await startTestServer(kind, {
      config: {
        limits: { login: { perAccount: 0, perIp: 0, windowMinutes: 15 }, messages: { cap: 0, windowMinutes: 180 } },
      },
    });
    canary = `CANARY${randomIds.secret().slice(0, 24)}`;
    state.alicePassword = server.alice.password;
    state.targetUserId = (
      await server.deps.auth.createUser({ email: 'carol@example.com', password: 'carol long password' })
    ).id;
    identities = await makeIdentities(server);
    personalToken = (await plantToken(server.alice.id)).token;
  });
  after(() => server?.close());

  test(`${kind}: every route of the route table has a row in the matrix, and every row a route`, () => {
    const routes = listRoutes(server.deps).map(routeKey);
    const known = [...Object.keys(rows), ...Object.keys(publicRows)];
    const missing = routes.filter((key) => !known.includes(key));
    assert.deepEqual(missing, [], `routes without an authorization row (add them to test/http/authz-matrix.test.ts)`);
    assert.deepEqual(
      known.filter((key) => !routes.includes(key)),
      [],
      'rows for routes that no longer exist',
    );
  });

  test(`${kind}: every route × identity answers as specified, and rejections change nothing`, async () => {
    const problems: string[] = [];
    const send = async (url: string, method: string, built: Built, headers: Record<string, string>, owner = false) => {
      const response = await server.request(url, {
        method,
        headers: { ...headers, ...(built.json !== undefined && { 'content-type': 'application/json' }) },
        ...(built.json !== undefined && { body: JSON.stringify(built.json) }),
      });
      const text = await response.text();
      if (text.includes(canary) && !owner) problems.push(`${method} ${url}: leaked the canary`);
      return { status: response.status, text };
    };
    const expectStatus = (label: string, actual: number, expected: number | ((status: number) => boolean)) => {
      const ok = typeof expected === 'number' ? actual === expected : expected(actual);
      if (!ok) problems.push(`${label}: got ${actual}, expected ${typeof expected === 'number' ? expected : 'a 2xx'}`);
    };
    const success = (status: number) => status >= 200 && status < 300;

    for (const route of listRoutes(server.deps)) {
      const key = routeKey(route);
      for (const prefix of route.mount === 'api' ? ['/backend-api', '/api'] : ['']) {
        const url = (path: string) => `${prefix}${path}`;
        const publicRow = publicRows[key];
        if (route.auth === 'none') {
          if (!publicRow) continue;
          const built = publicRow.build(state);
          for (const [name, headers] of Object.entries(identities)) {
            const answer = await send(built.path, route.method, built, headers);
            expectStatus(`${key} as ${name}`, answer.status, publicRow.status);
          }
          if (route.method !== 'GET') {
            const answer = await send(built.path, route.method, built, { origin: 'http://evil.example' });
            expectStatus(`${key} from a foreign origin`, answer.status, 403);
          }
          continue;
        }
        const row = rows[key];
        if (!row) continue;
        const fixture = await freshFixture();
        const alice = await aliceCredentials();
        const bob: TestUser = server.bob;
        // Analytics batches accepted by the rows before are written after their answers: before this digest.
        await server.deps.telemetry.flush();
        const digestBefore = await server.db.digest();

        // 1. Rejected identities: nothing may change.
        for (const [name, headers] of Object.entries(identities) as Array<[keyof Identities, Record<string, string>]>) {
          const built = row.build(fixture, state);
          const answer = await send(url(built.path), route.method, built, headers);
          expectStatus(`${key} ${prefix} as ${name}`, answer.status, 401);
          if (
            answer.status === 401 &&
            JSON.stringify(JSON.parse(answer.text)) !== JSON.stringify(credentialBodies[name])
          ) {
            problems.push(`${key} ${prefix} as ${name}: wrong 401 body ${answer.text}`);
          }
        }
        const unsafe = route.method !== 'GET';
        const foreignCookie = { cookie: `${sessionCookie}=${alice.cookie}`, origin: 'http://evil.example' };
        if (unsafe) {
          const built = row.build(fixture, state);
          const answer = await send(url(built.path), route.method, built, foreignCookie);
          expectStatus(`${key} ${prefix} as a cookie from a foreign origin`, answer.status, 403);
        }
        if (route.auth !== 'user') {
          const built = row.build(fixture, state);
          const answer = await send(url(built.path), route.method, built, bearer(alice.personal));
          expectStatus(`${key} ${prefix} with a personal access token`, answer.status, 403);
        }
        if (row.other === 'notFound' || row.other === 'forbidden' || typeof row.other === 'number') {
          const built = row.build(fixture, state);
          const answer = await send(url(built.path), route.method, built, bearer(bob.token));
          const expected = row.other === 'notFound' ? 404 : row.other === 'forbidden' ? 403 : row.other;
          expectStatus(`${key} ${prefix} as another user`, answer.status, expected);
        }
        const digestAfter = await server.db.digest();
        if (digestAfter !== digestBefore) problems.push(`${key} ${prefix}: a rejected request changed the database`);

        // 2. Identities that may succeed, each on its own data.
        if (row.other === 'own') {
          const built = row.build(fixture, state);
          const answer = await send(url(built.path), route.method, built, bearer(bob.token));
          expectStatus(`${key} ${prefix} as another user (own data)`, answer.status, success);
        }
        if (route.auth === 'user') {
          const own = await freshFixture();
          const built = row.build(own, state);
          const answer = await send(url(built.path), route.method, built, bearer(alice.personal), true);
          expectStatus(`${key} ${prefix} with a personal access token`, answer.status, success);
        }
        if (!unsafe) {
          const built = row.build(fixture, state);
          const answer = await send(
            url(built.path),
            route.method,
            built,
            { cookie: `${sessionCookie}=${alice.cookie}` },
            true,
          );
          expectStatus(`${key} ${prefix} as the owner's cookie`, answer.status, success);
        }
        const ownFixture = await freshFixture();
        const built = row.build(ownFixture, state);
        const answer = await send(url(built.path), route.method, built, bearer(alice.bearerToken), true);
        expectStatus(`${key} ${prefix} as the owner`, answer.status, success);
        if (success(answer.status)) row.afterOwner?.(state, built);
        for (const id of plantedTokens.splice(0))
          await server.deps.store.deletePersonalAccessToken(server.alice.id, id);
      }
    }
    assert.deepEqual(problems, []);
  });
});
