/** The Store contract, part 2: messages and the tree (order, paths, branches, recovery) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateKeyError, MissingReferenceError } from '../../src/store/store-errors.js';
import { forEachDatabase } from '../helpers/databases.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import {
  insertChain,
  message,
  newConversation,
  newUser,
  rootMessage,
  userWithConversation,
  withDatabase,
} from './store-fixtures.js';

forEachDatabase((kind) => {
  test(`${kind}: messages round-trip and list in insertion order`, () =>
    withDatabase(kind, async ({ store }) => {
      const owner = await userWithConversation(store, 'ann', 'c1');
      const ids = await insertChain(store, owner, 'c1', 'c1-root', ['zz', 'aa', 'mm', '00']);
      const full = message('c1', 'full', '00', {
        role: 'assistant',
        authorName: 'browser',
        contentType: 'code',
        parts: [{ text: 'print(1)', language: 'python' }],
        status: 'in_progress',
        endTurn: false,
        weight: 0.5,
        metadata: { model_slug: 'demo', nested: { list: [1, 2.5, null, true] } },
        recipient: 'python',
        modelSlug: 'demo',
        createTime: 1_700_000_300.123456,
        updateTime: 1_700_000_301.654321,
      });
      assert.equal(await store.insertMessage(owner, full), true);
      const listed = await store.listMessages(owner, 'c1');
      assert.deepEqual(
        listed.map((item) => item.id),
        ['c1-root', ...ids, 'full'],
      );
      assert.deepEqual(listed.at(-1), full);
      assert.deepEqual(await store.getMessage(owner, 'c1', 'full'), full);
      assert.deepEqual(listed[0], rootMessage('c1'));
      assert.equal((await store.getMessage(owner, 'c1', 'aa'))?.endTurn, null);
      assert.equal(await store.getMessage(owner, 'c1', 'missing'), undefined);
    }));

  test(`${kind}: the same message id lives in two conversations of two owners`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c-ann');
      const bob = await userWithConversation(store, 'bob', 'c-bob');
      await store.insertMessage(ann, message('c-ann', 'shared-id', 'c-ann-root', { parts: ['from ann'] }));
      await store.insertMessage(bob, message('c-bob', 'shared-id', 'c-bob-root', { parts: ['from bob'] }));
      assert.deepEqual((await store.getMessage(ann, 'c-ann', 'shared-id'))?.parts, ['from ann']);
      assert.deepEqual((await store.getMessage(bob, 'c-bob', 'shared-id'))?.parts, ['from bob']);
      assert.equal(await store.getMessage(bob, 'c-ann', 'shared-id'), undefined);
      assert.equal(await store.updateMessage(bob, 'c-bob', 'shared-id', { parts: ['edited'] }), true);
      assert.deepEqual((await store.getMessage(ann, 'c-ann', 'shared-id'))?.parts, ['from ann']);
    }));

  test(`${kind}: the tree is enforced — unique ids, parent in the same conversation, one root`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      await store.createConversation(newConversation(ann, 'c2'));
      await store.insertMessage(ann, rootMessage('c2'));
      await insertChain(store, ann, 'c1', 'c1-root', ['m1']);
      await assert.rejects(store.insertMessage(ann, message('c1', 'm1', 'c1-root')), DuplicateKeyError);
      await assert.rejects(store.insertMessage(ann, message('c1', 'orphan', 'nowhere')), MissingReferenceError);
      await assert.rejects(store.insertMessage(ann, message('c2', 'cross', 'm1')), MissingReferenceError);
      await assert.rejects(
        store.insertMessage(ann, message('c1', 'second-root', null, { role: 'root' })),
        DuplicateKeyError,
      );
      assert.equal(await store.insertMessage(ann, message('missing-conversation', 'x', null)), false);
      assert.deepEqual(await checkTreeInvariants(db), []);
    }));

  test(`${kind}: pathToMessage follows one branch of a tree with a variant and an edit`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      await insertChain(store, ann, 'c1', 'c1-root', ['system', 'user-1', 'assistant-1', 'user-2', 'assistant-2']);
      await store.insertMessage(ann, message('c1', 'assistant-1-variant', 'user-1', { role: 'assistant' }));
      await insertChain(store, ann, 'c1', 'system', ['user-1-edit', 'assistant-1-edit']);
      const path = async (leaf: string) => (await store.pathToMessage(ann, 'c1', leaf)).map((item) => item.id);
      assert.deepEqual(await path('assistant-2'), [
        'c1-root',
        'system',
        'user-1',
        'assistant-1',
        'user-2',
        'assistant-2',
      ]);
      assert.deepEqual(await path('assistant-1-variant'), ['c1-root', 'system', 'user-1', 'assistant-1-variant']);
      assert.deepEqual(await path('assistant-1-edit'), ['c1-root', 'system', 'user-1-edit', 'assistant-1-edit']);
      assert.deepEqual(await path('c1-root'), ['c1-root']);
      assert.deepEqual(await path('missing'), []);
      const full = await store.pathToMessage(ann, 'c1', 'assistant-1-variant');
      assert.deepEqual(full.at(-1), await store.getMessage(ann, 'c1', 'assistant-1-variant'));
      assert.deepEqual(await store.listChildIds(ann, 'c1', 'user-1'), ['assistant-1', 'assistant-1-variant']);
      assert.deepEqual(await store.listChildIds(ann, 'c1', 'system'), ['user-1', 'user-1-edit']);
      assert.deepEqual(await store.listChildIds(ann, 'c1', 'assistant-2'), []);
      assert.deepEqual(await checkTreeInvariants(db), []);
    }));

  test(`${kind}: pathToMessage stays inside the conversation when ids repeat across conversations`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      await store.createConversation(newConversation(ann, 'c2', { rootId: 'c1-root' }));
      await store.insertMessage(ann, rootMessage('c2', 'c1-root'));
      await insertChain(store, ann, 'c1', 'c1-root', ['a', 'b']);
      await insertChain(store, ann, 'c2', 'c1-root', ['x', 'b']);
      assert.deepEqual(
        (await store.pathToMessage(ann, 'c2', 'b')).map((item) => `${item.conversationId}/${item.id}`),
        ['c2/c1-root', 'c2/x', 'c2/b'],
      );
    }));

  test(`${kind}: a deep chain of 1,500 messages comes back in one path`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      const ids = Array.from({ length: 1500 }, (_, index) => `m${index}`);
      await store.transaction(() => insertChain(store, ann, 'c1', 'c1-root', ids));
      const path = await store.pathToMessage(ann, 'c1', 'm1499');
      assert.deepEqual(
        path.map((item) => item.id),
        ['c1-root', ...ids],
      );
    }));

  test(`${kind}: updateMessage changes only the given fields; deleteMessage removes the subtree`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      await insertChain(store, ann, 'c1', 'c1-root', ['u1', 'a1', 'u2']);
      await store.insertMessage(ann, message('c1', 'u1-edit', 'c1-root'));
      const patch = {
        parts: ['new text'],
        status: 'finished_partial_completion',
        endTurn: true,
        metadata: { k: 'v' },
      } as const;
      assert.equal(
        await store.updateMessage(ann, 'c1', 'a1', { ...patch, parts: [...patch.parts], updateTime: 1_700_000_999.5 }),
        true,
      );
      const updated = await store.getMessage(ann, 'c1', 'a1');
      assert.deepEqual(updated, {
        ...message('c1', 'a1', 'u1'),
        ...patch,
        parts: ['new text'],
        updateTime: 1_700_000_999.5,
      });
      assert.equal(
        await store.updateMessage(ann, 'c1', 'a1', { endTurn: null, createTime: null, updateTime: null }),
        true,
      );
      const cleared = await store.getMessage(ann, 'c1', 'a1');
      assert.deepEqual([cleared?.endTurn, cleared?.createTime, cleared?.updateTime], [null, null, null]);
      assert.equal(await store.updateMessage(ann, 'c1', 'missing', { status: 'in_progress' }), false);
      assert.equal(await store.deleteMessage(ann, 'c1', 'u1'), true);
      assert.deepEqual(
        (await store.listMessages(ann, 'c1')).map((item) => item.id),
        ['c1-root', 'u1-edit'],
      );
      assert.equal(await store.deleteMessage(ann, 'c1', 'u1'), false);
    }));

  test(`${kind}: interruptInProgressMessages marks every in_progress message interrupted`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      const bob = await userWithConversation(store, 'bob', 'c2');
      const streaming = {
        role: 'assistant',
        status: 'in_progress',
        metadata: { model_slug: 'demo', finish_details: { type: 'x' } },
      } as const;
      await store.insertMessage(
        ann,
        message('c1', 'a1', 'c1-root', { ...streaming, metadata: { ...streaming.metadata } }),
      );
      await store.insertMessage(
        bob,
        message('c2', 'b1', 'c2-root', { ...streaming, metadata: {}, createTime: 1_900_000_000 }),
      );
      await store.insertMessage(bob, message('c2', 'b2', 'b1'));
      assert.deepEqual(await checkTreeInvariants(db, { allowInProgress: true }), []);
      assert.equal((await checkTreeInvariants(db)).length, 2);
      assert.equal(await store.interruptInProgressMessages(1_800_000_000), 2);
      const a1 = await store.getMessage(ann, 'c1', 'a1');
      assert.equal(a1?.status, 'finished_partial_completion');
      assert.deepEqual(a1?.metadata, {
        model_slug: 'demo',
        finish_details: { type: 'interrupted' },
        is_complete: false,
      });
      assert.equal(a1?.updateTime, 1_800_000_000);
      const b1 = await store.getMessage(bob, 'c2', 'b1');
      assert.deepEqual(b1?.metadata, { finish_details: { type: 'interrupted' }, is_complete: false });
      assert.equal(b1?.updateTime, 1_900_000_000);
      assert.equal((await store.getMessage(bob, 'c2', 'b2'))?.status, 'finished_successfully');
      assert.equal(await store.interruptInProgressMessages(1_800_000_001), 0);
      assert.deepEqual(await checkTreeInvariants(db), []);
    }));

  test(`${kind}: deleting a user's conversation cascades to its messages only`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await store.createUser(newUser('ann'));
      await store.createConversation(newConversation(ann.id, 'temp', { isTemporary: true, createTime: 1 }));
      await store.insertMessage(ann.id, rootMessage('temp'));
      await store.createConversation(newConversation(ann.id, 'kept', { createTime: 1 }));
      await store.insertMessage(ann.id, rootMessage('kept'));
      assert.equal(await store.purgeTemporaryConversations(2), 1);
      assert.deepEqual(await store.listMessages(ann.id, 'temp'), []);
      assert.equal((await store.listMessages(ann.id, 'kept')).length, 1);
    }));
});
