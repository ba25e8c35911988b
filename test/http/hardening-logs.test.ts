/**
 * Hardening: request logs hold no secrets. A log captured through `requestLogger()` while signing in,
 * using the cookie, two turns, a rename, an access token, a personal access token, an invite lookup and
 * a sign-up must hold none of the password, the session cookie, the tokens, the invite token or the
 * message text — and must hold the requests (with the invite token redacted from the URL).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { requestLogger } from '../../src/server/main.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

describe('request logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  let server: TestServer;

  before(async () => {
    server = await startTestServer('sqlite', { logger: requestLogger(sink) });
  });
  after(() => server.close());

  /** Signs in, uses the cookie, a turn, a title, an access token, a personal token and an invite; returns the secrets. */
  async function exercise(): Promise<Record<string, string>> {
    const { alice } = server;
    const messageText = 'Confidential-message-7d1f3b';
    const titleText = 'Confidential-title-9c2e41';
    const login = await server.request('/api/auth/login', {
      method: 'POST',
      json: { email: alice.email, password: alice.password },
    });
    assert.equal(login.status, 200);
    const cookieValue = /backchat_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
    assert.ok(cookieValue.length > 10, 'no session cookie');
    const session = (await (
      await server.request('/api/auth/session', { headers: { cookie: `backchat_session=${cookieValue}` } })
    ).json()) as { accessToken: string };
    const bearer = { authorization: `Bearer ${session.accessToken}` };
    const turn = await server.request('/backend-api/conversation', {
      method: 'POST',
      headers: bearer,
      json: { action: 'next', messages: [userMessage(messageText)] },
    });
    const conversationId = /"conversation_id": "([^"]+)"/.exec(await turn.text())?.[1] ?? '';
    await server.request(`/backend-api/conversation/${conversationId}`, {
      method: 'PATCH',
      headers: bearer,
      json: { title: titleText },
    });
    await server.request('/backend-api/conversation', {
      method: 'POST',
      headers: bearer,
      json: { action: 'next', messages: [{ content: { content_type: 'text', parts: [messageText] } }] },
    });
    const created = await server.request('/backend-api/account/tokens', {
      method: 'POST',
      headers: bearer,
      json: { name: 'logging test', expires_in_days: 1 },
    });
    const personal = ((await created.json()) as { token: string }).token;
    assert.equal(
      (await server.request('/backend-api/me', { headers: { authorization: `Bearer ${personal}` } })).status,
      200,
    );
    const invite = await server.request('/backend-api/admin/invites', { method: 'POST', headers: bearer, json: {} });
    const inviteToken = ((await invite.json()) as { token: string }).token;
    assert.equal((await server.request(`/api/auth/invites/${encodeURIComponent(inviteToken)}`)).status, 200);
    const newPassword = 'Fresh-signup-password-5b8a';
    const signup = await server.request('/api/auth/signup', {
      method: 'POST',
      json: { email: 'dana@example.com', password: newPassword, invite: inviteToken },
    });
    assert.equal(signup.status, 200, await signup.clone().text());
    return {
      password: alice.password,
      newPassword,
      cookieValue,
      accessToken: session.accessToken,
      accessTokenSignature: session.accessToken.split('.')[2] ?? session.accessToken,
      testToken: alice.token,
      personal,
      inviteToken,
      messageText,
      titleText,
    };
  }

  test('hold requests but no password, token, session cookie, invite token or message text', async () => {
    const secrets = await exercise();
    const log = lines.join('');
    assert.match(log, /"url":"\/backend-api\/conversation"/, 'the requests were not logged at all');
    assert.match(log, /"statusCode":200/);
    assert.match(log, /"url":"\/api\/auth\/invites\/\[redacted\]"/, 'the invite lookup was not logged, redacted');
    const leaked = Object.entries(secrets)
      .filter(([, secret]) => secret.length > 0 && log.includes(secret))
      .map(([name]) => name);
    assert.deepEqual(leaked, []);
  });
});
