/** The Store contract, part 1: users, sessions, settings, conversations and owner scoping — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateKeyError, MissingReferenceError } from '../../src/store/store-errors.js';
import { forEachDatabase } from '../helpers/databases.js';
import {
  insertChain,
  message,
  newConversation,
  newUser,
  userWithConversation,
  withDatabase,
} from './store-fixtures.js';

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
      assert.deepEqual(await store.getPersonalAccessTokenByHash('f'.repeat(64)), token);
      assert.deepEqual(
        (await store.listPersonalAccessTokens('user-ann')).map((row) => row.id),
        ['pat-2', 'pat-1'],
      );
      await store.touchPersonalAccessToken('pat-1', 7.25);
      assert.equal((await store.getPersonalAccessTokenByHash('f'.repeat(64)))?.lastUsedTime, 7.25);
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

  test(`${kind}: settings are replaced by putSetting; model access round-trips`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.putSetting('signup_policy', 'open');
      await store.putSetting('signup_policy', 'closed');
      assert.equal(await store.getSetting('signup_policy'), 'closed');
      await store.createUser(newUser('ann'));
      assert.equal((await store.getUserById('user-ann'))?.modelAccess, null);
      await store.updateUser('user-ann', { modelAccess: ['demo', 'llama3.1'] });
      assert.deepEqual((await store.getUserById('user-ann'))?.modelAccess, ['demo', 'llama3.1']);
      await store.updateUser('user-ann', { modelAccess: [] });
      assert.deepEqual((await store.getUserById('user-ann'))?.modelAccess, []);
      await store.updateUser('user-ann', { modelAccess: null });
      assert.equal((await store.getUserById('user-ann'))?.modelAccess, null);
    }));

  test(`${kind}: putSettingIfAbsent — the first of 20 racing writers wins for everyone`, () =>
    withDatabase(kind, async ({ store }) => {
      assert.equal(await store.getSetting('signing-secret'), undefined);
      const values = Array.from({ length: 20 }, (_, index) => `secret-${index}`);
      const results = await Promise.all(values.map((value) => store.putSettingIfAbsent('signing-secret', value)));
      const stored = await store.getSetting('signing-secret');
      assert.ok(stored !== undefined && values.includes(stored));
      assert.deepEqual(new Set(results), new Set([stored]));
      assert.equal(await store.putSettingIfAbsent('signing-secret', 'late'), stored);
    }));

  test(`${kind}: a conversation round-trips with its JSON fields`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      const input = newConversation('user-ann', 'c1', {
        isTemporary: true,
        conversationMode: { kind: 'gizmo', gizmo_id: 'g-1' },
      });
      const created = await store.createConversation(input);
      const expected = { ...input, updateTime: input.createTime, isArchived: false, isVisible: true };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.getConversation('user-ann', 'c1'), expected);
      await assert.rejects(store.createConversation(input), DuplicateKeyError);
      await assert.rejects(store.createConversation(newConversation('user-nobody', 'c2')), MissingReferenceError);
    }));

  test(`${kind}: updateConversation, setTitleIfUntitled`, () =>
    withDatabase(kind, async ({ store }) => {
      const owner = await userWithConversation(store, 'ann', 'c1');
      await insertChain(store, owner, 'c1', 'c1-root', ['m1']);
      const patch = { isArchived: true, isVisible: false, currentNode: 'm1', updateTime: 1_700_000_500.75 };
      assert.equal(await store.updateConversation(owner, 'c1', patch), true);
      assert.equal(await store.setTitleIfUntitled(owner, 'c1', 'First title'), true);
      assert.equal(await store.setTitleIfUntitled(owner, 'c1', 'Second title'), false);
      const updated = await store.getConversation(owner, 'c1');
      assert.deepEqual([updated?.isArchived, updated?.isVisible, updated?.currentNode], [true, false, 'm1']);
      assert.deepEqual([updated?.updateTime, updated?.title], [1_700_000_500.75, 'First title']);
      assert.equal(await store.updateConversation(owner, 'c1', { title: 'Renamed' }), true);
      assert.equal((await store.getConversation(owner, 'c1'))?.title, 'Renamed');
      assert.equal(await store.updateConversation(owner, 'c1', {}), true);
      assert.equal(await store.updateConversation(owner, 'missing', {}), false);
      assert.equal(await store.updateConversation(owner, 'missing', { title: 'x' }), false);
    }));

  test(`${kind}: listConversations — order, total, paging and filters`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      await store.createUser(newUser('bob'));
      const times: [string, number][] = [
        ['a', 5],
        ['b', 9],
        ['c', 7],
        ['d', 9],
        ['e', 1],
      ];
      for (const [id, time] of times)
        await store.createConversation(newConversation('user-ann', id, { createTime: time }));
      await store.createConversation(newConversation('user-ann', 'temporary', { createTime: 100, isTemporary: true }));
      await store.createConversation(newConversation('user-ann', 'hidden', { createTime: 100 }));
      await store.updateConversation('user-ann', 'hidden', { isVisible: false });
      await store.createConversation(newConversation('user-ann', 'archived', { createTime: 100 }));
      await store.updateConversation('user-ann', 'archived', { isArchived: true });
      await store.createConversation(newConversation('user-bob', 'bobs', { createTime: 100 }));
      const ids = async (offset: number, limit: number, archived = false) => {
        const page = await store.listConversations('user-ann', { offset, limit, archived });
        return { ids: page.items.map((item) => item.id), total: page.total };
      };
      assert.deepEqual(await ids(0, 28), { ids: ['b', 'd', 'c', 'a', 'e'], total: 5 });
      assert.deepEqual(await ids(1, 2), { ids: ['d', 'c'], total: 5 });
      assert.deepEqual(await ids(4, 10), { ids: ['e'], total: 5 });
      assert.deepEqual(await ids(10, 10), { ids: [], total: 5 });
      assert.deepEqual(await ids(0, 10, true), { ids: ['archived'], total: 1 });
      assert.deepEqual(
        (await store.listConversations('user-nobody', { offset: 0, limit: 5, archived: false })).total,
        0,
      );
    }));

  test(`${kind}: archiveAllConversations, hideAllConversations and purgeTemporaryConversations`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'a1');
      await store.createConversation(newConversation(ann, 'a2'));
      const bob = await userWithConversation(store, 'bob', 'b1');
      assert.equal(await store.archiveAllConversations(ann), 2);
      assert.equal(await store.archiveAllConversations(ann), 0);
      assert.equal((await store.getConversation(ann, 'a2'))?.isArchived, true);
      assert.equal((await store.getConversation(bob, 'b1'))?.isArchived, false);
      assert.equal(await store.hideAllConversations(ann, 1_800_000_000), 2);
      assert.equal(await store.hideAllConversations(ann, 1_800_000_001), 0);
      assert.deepEqual((await store.getConversation(ann, 'a1'))?.isVisible, false);
      assert.deepEqual((await store.getConversation(ann, 'a1'))?.updateTime, 1_800_000_000);
      assert.equal((await store.getConversation(bob, 'b1'))?.isVisible, true);

      await store.createConversation(newConversation(bob, 'old-temporary', { isTemporary: true, createTime: 100 }));
      await store.insertMessage(bob, message('old-temporary', 'old-temporary-root', null, { role: 'root' }));
      await store.createConversation(newConversation(bob, 'new-temporary', { isTemporary: true, createTime: 300 }));
      await store.createConversation(newConversation(bob, 'old-kept', { createTime: 100 }));
      assert.equal(await store.purgeTemporaryConversations(200), 1);
      assert.equal(await store.getConversation(bob, 'old-temporary'), undefined);
      assert.deepEqual(await store.listMessages(bob, 'old-temporary'), []);
      assert.ok(await store.getConversation(bob, 'new-temporary'));
      assert.ok(await store.getConversation(bob, 'old-kept'));
    }));

  test(`${kind}: another owner sees nothing and changes nothing, through every method`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      await insertChain(store, ann, 'c1', 'c1-root', ['m1', 'm2']);
      const bob = (await store.createUser(newUser('bob'))).id;
      const before = await db.digest();
      assert.equal(await store.getConversation(bob, 'c1'), undefined);
      assert.deepEqual((await store.listConversations(bob, { offset: 0, limit: 10, archived: false })).items, []);
      assert.equal(await store.updateConversation(bob, 'c1', { title: 'stolen', isVisible: false }), false);
      assert.equal(await store.updateConversation(bob, 'c1', {}), false);
      assert.equal(await store.setTitleIfUntitled(bob, 'c1', 'stolen'), false);
      assert.equal(await store.hideAllConversations(bob, 2e9), 0);
      assert.equal(await store.insertMessage(bob, message('c1', 'intruder', 'm2')), false);
      assert.equal(await store.getMessage(bob, 'c1', 'm1'), undefined);
      assert.deepEqual(await store.listMessages(bob, 'c1'), []);
      assert.deepEqual(await store.pathToMessage(bob, 'c1', 'm2'), []);
      assert.deepEqual(await store.listChildIds(bob, 'c1', 'm1'), []);
      assert.equal(await store.updateMessage(bob, 'c1', 'm2', { parts: ['stolen'] }), false);
      assert.equal(await store.updateMessage(bob, 'c1', 'm2', {}), false);
      assert.equal(await store.deleteMessage(bob, 'c1', 'm1'), false);
      assert.equal(await db.digest(), before);
      assert.equal((await store.listMessages(ann, 'c1')).length, 3);
    }));
});
