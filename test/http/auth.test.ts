/** Sign-in for people (cookie sessions) and tokens for programs, over real HTTP (docs/api.md). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AccessTokens } from '../../src/auth/access-token.js';
import { randomIds } from '../../src/ids.js';
import { forEachDatabase } from '../helpers/databases.js';
import { sessionAccessToken, startTestServer, type TestServer } from '../helpers/test-server.js';

function sessionCookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  const match = /backchat_session=([^;]+)/.exec(header);
  assert.ok(match?.[1], `no session cookie in "${header}"`);
  return `backchat_session=${match[1]}`;
}

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(kind);
  });
  after(() => server.close());

  const login = (email: string, password: string) =>
    server.request('/api/auth/login', { method: 'POST', json: { email, password } });

  test(`${kind}: wrong credentials are one 401 message, whichever part is wrong`, async () => {
    for (const [email, password] of [
      [server.alice.email, 'wrong-password'],
      ['nobody@example.com', 'whatever-password'],
    ] as const) {
      const response = await login(email, password);
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), { detail: 'Wrong email or password' });
      assert.equal(response.headers.get('set-cookie'), null);
    }
  });

  test(`${kind}: login sets an HttpOnly SameSite=Lax cookie; the session route answers from it`, async () => {
    const response = await login(server.alice.email.toUpperCase(), server.alice.password);
    assert.equal(response.status, 200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Lax/i);
    const cookie = sessionCookieOf(response);

    // A junk bearer (an unfilled template) must not hide the valid cookie session
    // (docs/decisions/2026-11-26-auth-and-temporary-chats.md).
    const session = await server.request('/api/auth/session', {
      headers: { cookie, authorization: 'Bearer %(value)s' },
    });
    const body = (await session.json()) as {
      user: { id: string; email: string };
      accessToken: string;
      expires: string;
      authProvider: string;
    };
    assert.equal(body.user.id, server.alice.id);
    assert.equal(body.user.email, server.alice.email);
    assert.match(body.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const me = await server.request('/backend-api/me', { headers: { authorization: `Bearer ${body.accessToken}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, server.alice.email);

    const viaCookie = await server.request('/backend-api/conversations', { headers: { cookie } });
    assert.equal(viaCookie.status, 200);
    const badBearerGoodCookie = await server.request('/backend-api/conversations', {
      headers: { cookie, authorization: 'Bearer nonsense' },
    });
    assert.equal(badBearerGoodCookie.status, 200);

    const logout = await server.request('/api/auth/logout', { method: 'POST', headers: { cookie } });
    assert.equal(logout.status, 200);
    assert.match(logout.headers.get('set-cookie') ?? '', /backchat_session=;/);
    assert.deepEqual(await (await server.request('/api/auth/session', { headers: { cookie } })).json(), {});
    const afterLogout = await server.request('/backend-api/conversations', { headers: { cookie } });
    assert.equal(afterLogout.status, 401);
  });

  test(`${kind}: signed out, the session route answers {}`, async () => {
    const response = await server.request('/api/auth/session');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
  });

  test(`${kind}: a valid bearer works next to a junk Cookie header (browser-client sends "undefined")`, async () => {
    const response = await server.request('/backend-api/me', { as: server.bob, headers: { cookie: 'undefined' } });
    assert.equal(response.status, 200);
  });

  test(`${kind}: the 401 bodies clients parse`, async () => {
    const missing = await server.request('/backend-api/conversations');
    assert.deepEqual(await missing.json(), { detail: { message: 'Unauthorized - Access token is missing' } });
    const invalid = await server.request('/backend-api/conversations', {
      headers: { authorization: 'Bearer abc.def.ghi' },
    });
    assert.deepEqual(await invalid.json(), {
      detail: 'Could not parse your authentication token. Please try signing in again.',
    });
    const past = Date.now() / 1000 - 10;
    const secret = (await server.deps.store.getSetting('access_token_secret')) ?? '';
    const { sessionId } = await sessionAccessToken(server.deps, server.alice.id);
    const expired = await new AccessTokens(secret, randomIds).sign(server.alice.id, sessionId, past - 100, past);
    const response = await server.request('/backend-api/conversations', {
      headers: { authorization: `Bearer ${expired}` },
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      detail: {
        message: 'Your authentication token has expired. Please try signing in again.',
        type: 'invalid_request_error',
        param: null,
        code: 'token_expired',
      },
    });
  });
});
