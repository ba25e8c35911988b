/** The AccountStore contract (users, sessions, personal access tokens, invites) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateKeyError, MissingReferenceError } from '../../src/store/store-errors.js';
import { forEachDatabase } from '../helpers/databases.js';
import { newUser, withDatabase } from './store-fixtures.js';

forEachDatabase((kind) => {
  test(`${kind}: users round-trip, emails are case-insensitive and lowercased`, () =>
    withDatabase(kind, async ({ store }) => {
      const created = await store.createUser(newUser('ann', { email: 'Ann.Smith@Example.COM', role: 'admin' }));
      assert.deepEqual(created, {
        id: 'user-ann',
        email: 'ann.smith@example.com',
        name: 'ann',
        passwordHash: 'hash-of-ann',
        role: 'admin',
        disabled: false,
        createTime: 1_700_000_000.5,
        modelAccess: null,
      });
      assert.deepEqual(await store.getUserById('user-ann'), created);
      assert.deepEqual(await store.getUserByEmail('ANN.smith@example.com'), created);
      assert.equal(await store.getUserByEmail('nobody@example.com'), undefined);
      assert.equal(await store.getUserById('user-nobody'), undefined);
      assert.equal(await store.countUsers(), 1);
    }));

  test(`${kind}: a taken email (any case) or id throws DuplicateKeyError`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      await assert.rejects(store.createUser(newUser('ann2', { email: 'ANN@example.com' })), (error: unknown) => {
        assert.ok(error instanceof DuplicateKeyError);
        assert.equal(error.code, 'duplicate_key');
        assert.equal(error.table, 'users');
        assert.deepEqual(error.columns, ['email']);
        return true;
      });
      await assert.rejects(store.createUser(newUser('ann', { email: 'other@example.com' })), (error: unknown) => {
        assert.ok(error instanceof DuplicateKeyError);
        assert.deepEqual([error.table, error.columns], ['users', ['id']]);
        return true;
      });
      assert.equal(await store.countUsers(), 1);
    }));

  test(`${kind}: listUsers and updateUser`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('bob', { createTime: 2 }));
      await store.createUser(newUser('ann', { createTime: 1 }));
      assert.deepEqual(
        (await store.listUsers()).map((user) => user.id),
        ['user-ann', 'user-bob'],
      );
      assert.equal(
        await store.updateUser('user-bob', { disabled: true, role: 'admin', passwordHash: 'new', name: 'Bob' }),
        true,
      );
      const bob = await store.getUserById('user-bob');
      assert.deepEqual([bob?.disabled, bob?.role, bob?.passwordHash, bob?.name], [true, 'admin', 'new', 'Bob']);
      assert.equal(await store.updateUser('user-bob', {}), true);
      assert.equal(await store.updateUser('user-nobody', { disabled: true }), false);
      assert.equal(await store.updateUser('user-nobody', {}), false);
    }));

  test(`${kind}: model access round-trips`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      assert.equal((await store.getUserById('user-ann'))?.modelAccess, null);
      await store.updateUser('user-ann', { modelAccess: ['demo', 'llama3.1'] });
      assert.deepEqual((await store.getUserById('user-ann'))?.modelAccess, ['demo', 'llama3.1']);
      await store.updateUser('user-ann', { modelAccess: [] });
      assert.deepEqual((await store.getUserById('user-ann'))?.modelAccess, []);
      await store.updateUser('user-ann', { modelAccess: null });
      assert.equal((await store.getUserById('user-ann'))?.modelAccess, null);
    }));

  test(`${kind}: sessions are created, read, listed, touched, deleted and expired`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      await store.createUser(newUser('bo'));
      const session = {
        tokenHash: 'a'.repeat(64),
        id: 'session-a',
        userId: 'user-ann',
        createTime: 10.5,
        expireTime: 100.25,
        lastUsedTime: null,
        userAgent: 'curl/8',
      };
      await store.createSession(session);
      await store.createSession({
        ...session,
        tokenHash: 'b'.repeat(64),
        id: 'session-b',
        createTime: 11,
        expireTime: 50,
        userAgent: null,
      });
      const ann = await store.getUserById('user-ann');
      assert.deepEqual(await store.getSessionWithUser({ tokenHash: session.tokenHash }), { session, user: ann });
      assert.deepEqual(await store.getSessionWithUser({ id: 'session-a' }), { session, user: ann });
      await assert.rejects(store.createSession(session), DuplicateKeyError);
      await assert.rejects(store.createSession({ ...session, tokenHash: 'd'.repeat(64) }), DuplicateKeyError);
      await assert.rejects(
        store.createSession({ ...session, tokenHash: 'c', id: 'session-c', userId: 'user-nobody' }),
        MissingReferenceError,
      );
      assert.deepEqual(
        (await store.listSessions('user-ann')).map((row) => row.id),
        ['session-b', 'session-a'],
      );
      assert.deepEqual(await store.listSessions('user-bo'), []);
      await store.touchSession('session-a', 60.5);
      assert.equal((await store.getSessionWithUser({ id: 'session-a' }))?.session.lastUsedTime, 60.5);
      assert.equal(await store.deleteSessionById('user-bo', 'session-a'), false, 'another user cannot end it');
      assert.equal(await store.deleteExpiredSessions(50), 1);
      assert.equal(await store.getSessionWithUser({ tokenHash: 'b'.repeat(64) }), undefined);
      await store.deleteSession(session.tokenHash);
      assert.equal(await store.getSessionWithUser({ tokenHash: session.tokenHash }), undefined);
      await store.deleteSession('missing');
    }));

  test(`${kind}: ending one session, or all but one`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      await store.createUser(newUser('bo'));
      const base = { createTime: 1, expireTime: 1000, lastUsedTime: null, userAgent: null };
      for (const [index, userId] of ['user-ann', 'user-ann', 'user-ann', 'user-bo'].entries()) {
        await store.createSession({ ...base, tokenHash: `hash-${index}`, id: `s${index}`, userId });
      }
      assert.equal(await store.deleteSessionById('user-ann', 's0'), true);
      assert.equal(await store.deleteSessionById('user-ann', 's0'), false);
      assert.equal(await store.deleteUserSessions('user-ann', 's1'), 1);
      assert.deepEqual(
        (await store.listSessions('user-ann')).map((row) => row.id),
        ['s1'],
      );
      assert.equal(await store.deleteUserSessions('user-ann'), 1);
      assert.equal((await store.listSessions('user-bo')).length, 1, "another user's session is untouched");
    }));

  test(`${kind}: personal access tokens are scoped by their owner`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      await store.createUser(newUser('bo'));
      const token = {
        id: 'pat-1',
        userId: 'user-ann',
        name: 'laptop script',
        tokenHash: 'f'.repeat(64),
        prefix: 'bc_pat_abcdef',
        createTime: 5,
        expireTime: null,
        lastUsedTime: null,
      };
      await store.createPersonalAccessToken(token);
      await store.createPersonalAccessToken({
        ...token,
        id: 'pat-2',
        tokenHash: 'e'.repeat(64),
        createTime: 6,
        expireTime: 99,
      });
      await assert.rejects(store.createPersonalAccessToken({ ...token, id: 'pat-3' }), DuplicateKeyError);
      assert.deepEqual(await store.getPersonalAccessTokenWithUser('f'.repeat(64)), {
        token,
        user: await store.getUserById('user-ann'),
      });
      assert.equal(await store.getPersonalAccessTokenWithUser('0'.repeat(64)), undefined);
      assert.deepEqual(
        (await store.listPersonalAccessTokens('user-ann')).map((row) => row.id),
        ['pat-2', 'pat-1'],
      );
      await store.touchPersonalAccessToken('pat-1', 7.25);
      assert.equal((await store.getPersonalAccessTokenWithUser('f'.repeat(64)))?.token.lastUsedTime, 7.25);
      assert.equal(await store.deletePersonalAccessToken('user-bo', 'pat-1'), false);
      assert.equal(await store.deletePersonalAccessToken('user-ann', 'pat-1'), true);
      assert.equal(await store.deleteUserPersonalAccessTokens('user-ann'), 1);
      assert.deepEqual(await store.listPersonalAccessTokens('user-ann'), []);
    }));

  test(`${kind}: an invite is used once, even by 10 racing sign-ups`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      const invite = {
        id: 'invite-1',
        tokenHash: '9'.repeat(64),
        email: null,
        role: 'user' as const,
        createdBy: 'user-ann',
        createTime: 1,
        expireTime: 500,
        usedTime: null,
        usedBy: null,
      };
      await store.createInvite(invite);
      assert.deepEqual(await store.getInviteByHash('9'.repeat(64)), invite);
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => store.markInviteUsed('invite-1', 'user-ann', 2)),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal(await store.deleteUnusedInvite('invite-1'), false, 'a used invite stays as a record');
      await store.createInvite({ ...invite, id: 'invite-2', tokenHash: '8'.repeat(64), createTime: 3 });
      assert.deepEqual(
        (await store.listInvites()).map((row) => row.id),
        ['invite-2', 'invite-1'],
      );
      assert.equal(await store.deleteUnusedInvite('invite-2'), true);
    }));
});
