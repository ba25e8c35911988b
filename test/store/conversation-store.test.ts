/**
 * The ConversationStore contract (conversations, messages and the tree: order, paths, branches, owner
 * scoping) — on every database.
 */
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
      // Pages nearer the end are read from the end; each direction's statement runs with new values.
      assert.deepEqual(await ids(3, 2), { ids: ['a', 'e'], total: 5 });
      assert.deepEqual(await ids(2, 2), { ids: ['c', 'a'], total: 5 });
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
      // The same pages with the JSON columns as the text JSON.stringify wrote (what wire JSON splices in).
      const links = await store.listMessageLinks(owner, 'c1', 0, 100);
      const afterSecond = links[1]?.seq ?? 0;
      const texts = await store.listMessageTextsAfter(owner, 'c1', afterSecond, 3);
      assert.deepEqual(
        texts.map((item) => item.id),
        ['aa', 'mm', '00'],
      );
      const [last] = await store.listMessageTextsAfter(owner, 'c1', links.at(-2)?.seq ?? 0, 10);
      const { parts, metadata, ...columns } = full;
      assert.deepEqual(last, { ...columns, parts: JSON.stringify(parts), metadata: JSON.stringify(metadata) });
      const imported = message('c1', 'imported', 'full', { extras: { set: { weird: [1] }, absent: ['weight'] } });
      assert.equal(await store.insertMessage(owner, imported), true);
      const [withExtras] = await store.listMessageTextsAfter(owner, 'c1', links.at(-1)?.seq ?? 0, 10);
      assert.equal(withExtras?.extras, JSON.stringify(imported.extras));
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
      // The oldest child, whole: the root's is the system message; the variant came after the first answer.
      assert.deepEqual(await store.firstChild(ann, 'c1', 'c1-root'), await store.getMessage(ann, 'c1', 'system'));
      assert.equal((await store.firstChild(ann, 'c1', 'user-1'))?.id, 'assistant-1');
      assert.equal((await store.firstChild(ann, 'c1', 'system'))?.id, 'user-1');
      assert.equal(await store.firstChild(ann, 'c1', 'assistant-2'), undefined);
      assert.equal(await store.firstChild(ann, 'c1', 'missing'), undefined);
      // Down the newest child at each step: the variant and the edit came last.
      assert.equal(await store.newestLeafUnder(ann, 'c1', 'user-1'), 'assistant-1-variant');
      assert.equal(await store.newestLeafUnder(ann, 'c1', 'system'), 'assistant-1-edit');
      assert.equal(await store.newestLeafUnder(ann, 'c1', 'assistant-1'), 'assistant-2');
      assert.equal(await store.newestLeafUnder(ann, 'c1', 'assistant-2'), 'assistant-2');
      assert.equal(await store.newestLeafUnder(ann, 'c1', 'missing'), undefined);
      // A window's read: the same path, with every message's children in insertion order.
      const windowOf = async (leaf: string, max?: number) => {
        const { path, childIds } = await store.pathWithChildIds(ann, 'c1', leaf, max);
        // The same messages, their JSON columns as the text that parses to the records' values.
        const records = await store.pathToMessage(ann, 'c1', leaf, max);
        assert.deepEqual(
          path.map(({ parts, metadata, extras, ...rest }) => ({
            ...rest,
            parts: JSON.parse(parts),
            metadata: JSON.parse(metadata),
            ...(extras !== undefined && { extras: JSON.parse(extras) }),
          })),
          records,
          leaf,
        );
        return Object.fromEntries(childIds);
      };
      assert.deepEqual(await windowOf('assistant-1-variant'), {
        'c1-root': ['system'],
        system: ['user-1', 'user-1-edit'],
        'user-1': ['assistant-1', 'assistant-1-variant'],
      });
      assert.deepEqual(await windowOf('assistant-2', 3), {
        'assistant-1': ['user-2'],
        'user-2': ['assistant-2'],
      });
      assert.deepEqual(await windowOf('missing'), {});
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
      // Children too come from the conversation asked for only.
      const { childIds } = await store.pathWithChildIds(ann, 'c2', 'b');
      assert.deepEqual(Object.fromEntries(childIds), { 'c1-root': ['x'], x: ['b'] });
    }));

  test(`${kind}: a deep chain of 1,500 messages comes back in one path`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      const ids = Array.from({ length: 1500 }, (_, index) => `m${index}`);
      await store.transaction((tx) => insertChain(tx, ann, 'c1', 'c1-root', ids));
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
      assert.deepEqual(await store.listMessageTextsAfter(bob, 'c1', 0, 10), []);
      assert.deepEqual(await store.listMessageLinks(bob, 'c1', 0, 10), []);
      assert.deepEqual(await store.pathToMessage(bob, 'c1', 'm2'), []);
      assert.deepEqual(await store.listChildIds(bob, 'c1', 'm1'), []);
      assert.equal(await store.firstChild(bob, 'c1', 'm1'), undefined);
      assert.equal(await store.newestLeafUnder(bob, 'c1', 'm1'), undefined);
      assert.equal(await store.updateMessage(bob, 'c1', 'm2', { parts: ['stolen'] }), false);
      assert.equal(await store.updateMessage(bob, 'c1', 'm2', {}), false);
      assert.equal(await store.deleteMessage(bob, 'c1', 'm1'), false);
      assert.equal(await db.digest(), before);
      assert.equal((await store.listMessages(ann, 'c1')).length, 3);
    }));
});
