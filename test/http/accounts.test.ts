/**
 * Accounts over real loopback HTTP on SQLite and PostgreSQL: the sign-up policies and one-time invites,
 * sessions listed and ended (and the access tokens minted from them with them), password changes,
 * personal access tokens (shown once, stored hashed, scoped, expiring, revocable), administration
 * (roles, the last-admin guard, disabling that ends everything at once, password resets, per-user
 * model access), the CSRF origin check on cookie requests, and sign-in throttling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashSecret } from '../../src/auth/secrets.js';
import { randomIds } from '../../src/ids.js';
import { sessionCookie } from '../../src/server/route-table.js';
import { forEachDatabase } from '../helpers/databases.js';
import { demoProvider, startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

type Json = Record<string, unknown>;

async function json<T = Json>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

function newTurn(text: string, model?: string) {
  return {
    action: 'next',
    ...(model && { model }),
    parent_message_id: randomIds.uuid(),
    messages: [userMessage(text)],
  };
}

forEachDatabase((kind) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(kind, {
      providers: [demoProvider, { type: 'demo', id: 'second', tokenDelayMs: 0 }],
      config: { limits: { login: { perAccount: 3, perIp: 1000, windowMinutes: 15 } } },
    });
  });
  after(() => server?.close());

  /** Signs in through the API like a browser on this server's origin; returns the cookie and the session. */
  async function signIn(email: string, password: string) {
    const response = await server.request('/api/auth/login', {
      method: 'POST',
      json: { email, password },
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0' },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const cookie = /backchat_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const session = await json<{ accessToken: string }>(response);
    const user: TestUser = { id: '', email, password, token: session.accessToken };
    return { cookie, user };
  }

  const asAdmin = (path: string, init: { method?: string; json?: unknown } = {}) =>
    server.request(`/backend-api${path}`, { ...init, as: server.alice });

  describe(`${kind}: sign-up`, () => {
    test('the policy decides: invite (default) and closed refuse, open lets anyone in', async () => {
      const setup = await json(await server.request('/api/auth/setup'));
      assert.deepEqual(setup, { needs_setup: false, signup_policy: 'invite' });
      const attempt = (email: string) =>
        server.request('/api/auth/signup', { method: 'POST', json: { email, password: 'a fine long password' } });
      const refused = await attempt('walk-in@example.com');
      assert.equal(refused.status, 403);
      assert.match((await json<{ detail: string }>(refused)).detail, /invite link/);
      await asAdmin('/admin/settings', { method: 'PATCH', json: { signup_policy: 'closed' } });
      assert.match((await json<{ detail: string }>(await attempt('walk-in@example.com'))).detail, /closed/);
      await asAdmin('/admin/settings', { method: 'PATCH', json: { signup_policy: 'open' } });
      const opened = await attempt('walk-in@example.com');
      assert.equal(opened.status, 200);
      assert.match(opened.headers.get('set-cookie') ?? '', /backchat_session=.+HttpOnly/i);
      assert.equal((await json<{ user: { email: string } }>(opened)).user.email, 'walk-in@example.com');
      assert.equal((await attempt('walk-in@example.com')).status, 409);
      const weak = await server.request('/api/auth/signup', {
        method: 'POST',
        json: { email: 'weak@example.com', password: 'password123' },
      });
      assert.equal(weak.status, 400);
      assert.match((await json<{ detail: string }>(weak)).detail, /too common/);
      const massAssigned = await server.request('/api/auth/signup', {
        method: 'POST',
        json: { email: 'sneaky@example.com', password: 'a fine long password', role: 'admin' },
      });
      assert.equal(massAssigned.status, 400, 'unknown keys such as role are refused');
      await asAdmin('/admin/settings', { method: 'PATCH', json: { signup_policy: 'invite' } });
    });

    test('an invite works once, for its email only, with its role; expired and revoked ones do not', async () => {
      const created = await json<{ id: string; token: string; url: string; role: string }>(
        await asAdmin('/admin/invites', { method: 'POST', json: { email: 'Invited@Example.com', role: 'admin' } }),
      );
      assert.equal(created.url, `/invite/${created.token}`);
      assert.deepEqual(await server.deps.store.getInviteByHash(created.token), undefined, 'stored hashed only');
      assert.ok(await server.deps.store.getInviteByHash(hashSecret(created.token)));
      const lookup = await json(await server.request(`/api/auth/invites/${created.token}`));
      assert.equal(lookup.email, 'invited@example.com');
      const signup = (email: string) =>
        server.request('/api/auth/signup', {
          method: 'POST',
          json: { email, password: 'a fine long password', invite: created.token },
        });
      assert.equal((await signup('someone-else@example.com')).status, 403);
      const racing = await Promise.all([signup('invited@example.com'), signup('invited@example.com')]);
      const statuses = racing.map((response) => response.status).sort();
      assert.equal(statuses[0], 200);
      assert.ok([403, 409].includes(statuses[1] ?? 0), `the loser gets ${statuses[1]}`);
      const invited = await server.deps.store.getUserByEmail('invited@example.com');
      assert.equal(invited?.role, 'admin');
      assert.equal((await server.request(`/api/auth/invites/${created.token}`)).status, 404, 'used up');
      const listed = await json<{ items: Array<{ id: string; used_by: string | null }> }>(
        await asAdmin('/admin/invites'),
      );
      assert.equal(listed.items.find((item) => item.id === created.id)?.used_by, invited?.id);

      const short = await json<{ id: string; token: string }>(
        await asAdmin('/admin/invites', { method: 'POST', json: { expires_in_hours: 1 } }),
      );
      const invite = await server.deps.store.getInviteByHash(hashSecret(short.token));
      assert.ok(invite);
      await server.deps.store.deleteUnusedInvite(invite.id);
      await server.deps.store.createInvite({ ...invite, expireTime: Date.now() / 1000 - 1 });
      assert.equal((await server.request(`/api/auth/invites/${short.token}`)).status, 404, 'expired');
      const revokable = await json<{ id: string; token: string }>(
        await asAdmin('/admin/invites', { method: 'POST', json: {} }),
      );
      assert.equal((await asAdmin(`/admin/invites/${revokable.id}`, { method: 'DELETE' })).status, 200);
      assert.equal((await server.request(`/api/auth/invites/${revokable.token}`)).status, 404, 'revoked');
    });
  });

  describe(`${kind}: sessions and passwords`, () => {
    test('sessions are listed; ending one (or all others) ends its cookie and access tokens at once', async () => {
      await server.deps.auth.createUser({ email: 'sam@example.com', password: 'sam long password' });
      const laptop = await signIn('sam@example.com', 'sam long password');
      const phone = await signIn('sam@example.com', 'sam long password');
      const tablet = await signIn('sam@example.com', 'sam long password');
      const listed = await json<{ items: Array<{ id: string; current: boolean; user_agent: string }> }>(
        await server.request('/backend-api/account/sessions', { as: laptop.user }),
      );
      assert.equal(listed.items.length, 3);
      assert.equal(listed.items.filter((item) => item.current).length, 1);
      assert.match(listed.items[0]?.user_agent ?? '', /Chrome/);
      const me = (user: TestUser) => server.request('/backend-api/me', { as: user });
      const phoneId = (
        await json<{ items: Array<{ id: string; current: boolean }> }>(
          await server.request('/backend-api/account/sessions', { as: phone.user }),
        )
      ).items.find((item) => item.current)?.id;
      assert.equal(
        (await server.request(`/backend-api/account/sessions/${phoneId}`, { method: 'DELETE', as: laptop.user }))
          .status,
        200,
      );
      assert.equal((await me(phone.user)).status, 401, "the ended session's access token stops at once");
      const cookieSession = await json(
        await server.request('/api/auth/session', { headers: { cookie: `${sessionCookie}=${phone.cookie}` } }),
      );
      assert.deepEqual(cookieSession, {}, 'and so does its cookie');
      assert.equal(
        (await server.request(`/backend-api/account/sessions/${phoneId}`, { method: 'DELETE', as: server.bob })).status,
        404,
      );
      const revoked = await json(
        await server.request('/backend-api/account/sessions/revoke_others', { method: 'POST', as: laptop.user }),
      );
      assert.deepEqual(revoked, { success: true, revoked: 1 });
      assert.equal((await me(tablet.user)).status, 401);
      assert.equal((await me(laptop.user)).status, 200, 'the current session stays');
    });

    test('changing the password needs the current one and ends every other session', async () => {
      await server.deps.auth.createUser({ email: 'pat@example.com', password: 'pat long password' });
      const here = await signIn('pat@example.com', 'pat long password');
      const there = await signIn('pat@example.com', 'pat long password');
      const change = (current: string, next: string) =>
        server.request('/backend-api/account/password', {
          method: 'POST',
          as: here.user,
          json: { current_password: current, new_password: next },
        });
      const wrong = await change('not it at all', 'pat newer password');
      assert.equal(wrong.status, 400, 'a wrong confirmation is not a sign-out (401)');
      assert.equal((await change('pat long password', 'short')).status, 400);
      assert.equal((await change('pat long password', 'pat newer password')).status, 200);
      assert.equal((await server.request('/backend-api/me', { as: there.user })).status, 401);
      assert.equal((await server.request('/backend-api/me', { as: here.user })).status, 200);
      await signIn('pat@example.com', 'pat newer password');
    });
  });

  describe(`${kind}: personal access tokens`, () => {
    test('shown once, stored hashed, listed by prefix, scoped, expiring and revocable', async () => {
      const created = await json<{ id: string; token: string; prefix: string; expires_at: string }>(
        await server.request('/backend-api/account/tokens', {
          method: 'POST',
          as: server.bob,
          json: { name: 'nightly export', expires_in_days: 30 },
        }),
      );
      assert.match(created.token, /^bc_pat_[\w-]{43}$/);
      assert.ok(created.token.startsWith(created.prefix));
      const days = (Date.parse(created.expires_at) - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
      assert.equal(await server.deps.store.getPersonalAccessTokenWithUser(created.token), undefined);
      const listed = await server.request('/backend-api/account/tokens', { as: server.bob });
      const listedText = await listed.text();
      assert.ok(!listedText.includes(created.token), 'lists never show the token');
      assert.match(listedText, /nightly export/);
      const pat: TestUser = { ...server.bob, token: created.token };
      const turn = await sendTurn(server, pat, newTurn('Hello from a script'));
      assert.ok(turn.conversationId);
      const scoped = await server.request('/backend-api/account/tokens', {
        method: 'POST',
        as: pat,
        json: { name: 'x', expires_in_days: null },
      });
      assert.equal(scoped.status, 403, 'a token cannot mint tokens');
      assert.match((await json<{ detail: string }>(scoped)).detail, /Personal access tokens/);
      assert.equal((await server.request('/backend-api/admin/users', { as: pat })).status, 403);
      const lastUsed = await json<{ items: Array<{ id: string; last_used_at: string | null }> }>(
        await server.request('/backend-api/account/tokens', { as: server.bob }),
      );
      assert.ok(lastUsed.items.find((item) => item.id === created.id)?.last_used_at, 'last use is recorded');
      assert.equal(
        (await server.request(`/backend-api/account/tokens/${created.id}`, { method: 'DELETE', as: server.alice }))
          .status,
        404,
        'another user cannot revoke it',
      );
      assert.equal(
        (await server.request(`/backend-api/account/tokens/${created.id}`, { method: 'DELETE', as: server.bob }))
          .status,
        200,
      );
      assert.equal((await server.request('/backend-api/me', { as: pat })).status, 401);

      const expiring = await server.deps.accounts.createToken(server.bob.id, 'old', 1);
      await server.deps.store.deletePersonalAccessToken(server.bob.id, expiring.record.id);
      await server.deps.store.createPersonalAccessToken({ ...expiring.record, expireTime: Date.now() / 1000 - 1 });
      const expired = await server.request('/backend-api/me', { as: { ...server.bob, token: expiring.token } });
      assert.equal(expired.status, 401);
      assert.equal((await json<{ detail: { code: string } }>(expired)).detail.code, 'token_expired');
    });
  });

  describe(`${kind}: administration`, () => {
    test('roles, the last-admin guard, and disabling that ends sessions, access tokens and personal tokens at once', async () => {
      const users = await json<{ items: Array<{ email: string; role: string }> }>(await asAdmin('/admin/users'));
      assert.ok(users.items.some((user) => user.email === 'alice@example.com' && user.role === 'admin'));
      const made = await json<{ id: string; role: string }>(
        await asAdmin('/admin/users', {
          method: 'POST',
          json: { email: 'dan@example.com', password: 'dan long password' },
        }),
      );
      assert.equal(made.role, 'user');
      const dan = await signIn('dan@example.com', 'dan long password');
      const danToken = await server.deps.accounts.createToken(made.id, 'cli', null);
      const open = await server.request('/backend-api/conversation', {
        method: 'POST',
        as: dan.user,
        json: newTurn('A long answer please'),
      });
      assert.equal(open.status, 200);
      await open.text();
      const disabled = await json<{ disabled: boolean }>(
        await asAdmin(`/admin/users/${made.id}`, { method: 'PATCH', json: { disabled: true } }),
      );
      assert.equal(disabled.disabled, true);
      for (const token of [dan.user.token, danToken.token]) {
        assert.equal((await server.request('/backend-api/me', { as: { ...dan.user, token } })).status, 401);
      }
      assert.deepEqual(await server.deps.store.listSessions(made.id), []);
      assert.deepEqual(await server.deps.store.listPersonalAccessTokens(made.id), []);
      const login = await server.request('/api/auth/login', {
        method: 'POST',
        json: { email: 'dan@example.com', password: 'dan long password' },
      });
      assert.equal(login.status, 401);

      const bobAdmin = await asAdmin(`/admin/users/${server.bob.id}`, { method: 'PATCH', json: { role: 'admin' } });
      assert.equal((await json<{ role: string }>(bobAdmin)).role, 'admin');
      await asAdmin(`/admin/users/${server.bob.id}`, { method: 'PATCH', json: { role: 'user' } });
      const everyone = await json<{ items: Array<{ id: string; role: string }> }>(await asAdmin('/admin/users'));
      for (const other of everyone.items.filter((user) => user.role === 'admin' && user.id !== server.alice.id)) {
        await asAdmin(`/admin/users/${other.id}`, { method: 'PATCH', json: { role: 'user' } });
      }
      const demoteLast = await asAdmin(`/admin/users/${server.alice.id}`, { method: 'PATCH', json: { role: 'user' } });
      assert.equal(demoteLast.status, 409);
      assert.match((await json<{ detail: string }>(demoteLast)).detail, /last active administrator/);
      const disableLast = await asAdmin(`/admin/users/${server.alice.id}`, {
        method: 'PATCH',
        json: { disabled: true },
      });
      assert.equal(disableLast.status, 409);
      assert.equal((await asAdmin('/admin/users/user-nobody', { method: 'PATCH', json: { name: 'x' } })).status, 404);
    });

    test('a password reset by the admin ends the user’s sessions and the new password works', async () => {
      const user = await server.deps.auth.createUser({ email: 'eli@example.com', password: 'eli long password' });
      const eli = await signIn('eli@example.com', 'eli long password');
      const reset = await asAdmin(`/admin/users/${user.id}/password`, {
        method: 'POST',
        json: { password: 'eli reset password' },
      });
      assert.equal(reset.status, 200);
      assert.equal((await server.request('/backend-api/me', { as: eli.user })).status, 401);
      await signIn('eli@example.com', 'eli reset password');
    });

    test('model access: the list shows only allowed models, a named other model is 403, ChatGPT slugs map to an allowed one', async () => {
      const models = await json<{ models: Array<{ slug: string }> }>(
        await server.request('/backend-api/models', { as: server.bob }),
      );
      const slugs = models.models.map((model) => model.slug);
      assert.equal(slugs.length, 2);
      const [first = '', second = ''] = slugs;
      await asAdmin(`/admin/users/${server.bob.id}`, { method: 'PATCH', json: { model_access: [second] } });
      const allowed = await json<{ models: Array<{ slug: string }> }>(
        await server.request('/backend-api/models', { as: server.bob }),
      );
      assert.deepEqual(
        allowed.models.map((model) => model.slug),
        [second],
      );
      const refused = await server.request('/backend-api/conversation', {
        method: 'POST',
        as: server.bob,
        json: newTurn('Use the other one', first),
      });
      assert.equal(refused.status, 403);
      assert.match((await json<{ detail: string }>(refused)).detail, new RegExp(`cannot use the model "${first}"`));
      const legacy = await sendTurn(server, server.bob, newTurn('Old client', 'text-davinci-002-render-sha'));
      assert.equal(legacy.final.metadata.model_slug, second);
      const limitOf = (slug: string) =>
        server.request(`/public-api/conversation_limit?model=${encodeURIComponent(slug)}`, { as: server.bob });
      assert.equal((await limitOf(first)).status, 403, 'the cap of a model the user may not use is not theirs');
      assert.equal((await limitOf('text-davinci-002-render-sha')).status, 200);
      await asAdmin(`/admin/users/${server.bob.id}`, { method: 'PATCH', json: { model_access: null } });
      const all = await json<{ models: unknown[] }>(await server.request('/backend-api/models', { as: server.bob }));
      assert.equal(all.models.length, 2);
    });
  });

  describe(`${kind}: CSRF`, () => {
    test('a cookie-authenticated change needs this server’s Origin; bearer requests need none', async () => {
      const { cookie } = await signIn('bob@example.com', server.bob.password);
      const patch = (headers: Record<string, string>) =>
        server.request('/backend-api/conversations', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ is_archived: true }),
        });
      const withCookie = { cookie: `${sessionCookie}=${cookie}` };
      const noOrigin = await patch(withCookie);
      assert.equal(noOrigin.status, 403);
      assert.match((await json<{ detail: string }>(noOrigin)).detail, /Cross-site request refused/);
      assert.equal((await patch({ ...withCookie, origin: 'http://evil.example' })).status, 403);
      assert.equal((await patch({ ...withCookie, referer: 'http://evil.example/page' })).status, 403);
      assert.equal((await patch({ ...withCookie, origin: 'null' })).status, 403);
      assert.equal((await patch({ ...withCookie, origin: server.url })).status, 200);
      assert.equal((await patch({ ...withCookie, referer: `${server.url}/c/abc` })).status, 200);
      assert.equal((await patch({ authorization: `Bearer ${server.bob.token}` })).status, 200);
      const reads = await server.request('/backend-api/conversations', { headers: withCookie });
      assert.equal(reads.status, 200, 'reads need no Origin');
      const crossLogin = await server.request('/api/auth/login', {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
        json: { email: 'bob@example.com', password: server.bob.password },
      });
      assert.equal(crossLogin.status, 403, 'no login CSRF');
    });
  });

  describe(`${kind}: sign-in throttling`, () => {
    test('failures per account get a 429 with Retry-After; other accounts sign in as usual', async () => {
      await server.deps.auth.createUser({ email: 'tia@example.com', password: 'tia long password' });
      const attempt = (email: string, password: string) =>
        server.request('/api/auth/login', { method: 'POST', json: { email, password } });
      for (let index = 0; index < 3; index++) assert.equal((await attempt('tia@example.com', 'guess')).status, 401);
      const blocked = await attempt('tia@example.com', 'tia long password');
      assert.equal(blocked.status, 429);
      assert.match(
        (await json<{ detail: string }>(blocked)).detail,
        /^Too many sign-in attempts\. Try again in \d+ minutes?\.$/,
      );
      const retryAfter = Number(blocked.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
      assert.equal(
        (await attempt('bob@example.com', server.bob.password)).status,
        200,
        'another account is unaffected',
      );
    });
  });
});
