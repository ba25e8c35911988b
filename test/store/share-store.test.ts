/** The ShareStore contract (share links and their snapshots) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ShareRecord, Store } from '../../src/store/store.js';
import { DuplicateKeyError } from '../../src/store/store-errors.js';
import { forEachDatabase } from '../helpers/databases.js';
import { insertChain, message, rootMessage, userWithConversation, withDatabase } from './store-fixtures.js';

function share(ownerId: string, id: string, conversationId: string, overrides: Partial<ShareRecord> = {}): ShareRecord {
  return {
    id,
    ownerId,
    conversationId,
    title: 'Shared «title» 🔗',
    currentNode: 'm2',
    model: 'demo',
    isPublic: false,
    isVisible: true,
    isAnonymous: true,
    highlightedMessageId: null,
    snapshot: [
      rootMessage(conversationId),
      message(conversationId, 'm1', `${conversationId}-root`),
      message(conversationId, 'm2', 'm1', { role: 'assistant', parts: ['answer ✓'], metadata: { k: [1, null] } }),
    ],
    createTime: 1_700_000_300.5,
    updateTime: 1_700_000_300.5,
    ...overrides,
  };
}

/** Ann owns c1 (two messages) and c2; Bob owns c3. */
async function seed(store: Store) {
  const ann = await userWithConversation(store, 'ann', 'c1');
  await insertChain(store, ann, 'c1', 'c1-root', ['m1', 'm2']);
  const bob = await userWithConversation(store, 'bob', 'c3');
  return { ann, bob };
}

forEachDatabase((kind) => {
  test(`${kind}: a share round-trips with its snapshot; the owner reads it, nobody else does`, () =>
    withDatabase(kind, async ({ store }) => {
      const { ann, bob } = await seed(store);
      const record = share(ann, 's1', 'c1');
      await store.createShare(record);
      assert.deepEqual(await store.getShare(ann, 's1'), record);
      assert.deepEqual(await store.getShareOfConversation(ann, 'c1'), record);
      assert.equal(await store.getShare(bob, 's1'), undefined);
      assert.equal(await store.getShareOfConversation(bob, 'c1'), undefined);
      // Not public yet: the public read does not see it.
      assert.equal(await store.getPublicShare('s1'), undefined);
    }));

  test(`${kind}: the public read needs public, visible, an enabled owner and a conversation not deleted`, () =>
    withDatabase(kind, async ({ store }) => {
      const { ann } = await seed(store);
      await store.createShare(share(ann, 's1', 'c1', { isPublic: true }));
      assert.equal((await store.getPublicShare('s1'))?.id, 's1');
      assert.ok(await store.updateShare(ann, 's1', { isVisible: false }));
      assert.equal(await store.getPublicShare('s1'), undefined);
      assert.ok(await store.updateShare(ann, 's1', { isVisible: true }));
      await store.updateUser(ann, { disabled: true });
      assert.equal(await store.getPublicShare('s1'), undefined);
      await store.updateUser(ann, { disabled: false });
      assert.equal((await store.getPublicShare('s1'))?.id, 's1');
      await store.updateConversation(ann, 'c1', { isVisible: false });
      assert.equal(await store.getPublicShare('s1'), undefined);
      assert.deepEqual((await store.listShares(ann, { offset: 0, limit: 10 })).total, 0);
    }));

  test(`${kind}: one share per conversation`, () =>
    withDatabase(kind, async ({ store }) => {
      const { ann } = await seed(store);
      await store.createShare(share(ann, 's1', 'c1'));
      await assert.rejects(store.createShare(share(ann, 's2', 'c1')), DuplicateKeyError);
    }));

  test(`${kind}: updates and deletes are owner-scoped; another owner changes nothing`, () =>
    withDatabase(kind, async ({ store }) => {
      const { ann, bob } = await seed(store);
      const record = share(ann, 's1', 'c1');
      await store.createShare(record);
      assert.equal(await store.updateShare(bob, 's1', { isPublic: true, title: 'Bob was here' }), false);
      assert.equal(await store.deleteShare(bob, 's1'), false);
      assert.deepEqual(await store.getShare(ann, 's1'), record);
      const patch = {
        isPublic: true,
        isAnonymous: false,
        title: 'Renamed',
        highlightedMessageId: 'm1',
        updateTime: 9e8,
      };
      assert.ok(await store.updateShare(ann, 's1', patch));
      assert.deepEqual(await store.getShare(ann, 's1'), { ...record, ...patch });
      assert.ok(await store.deleteShare(ann, 's1'));
      assert.equal(await store.getShare(ann, 's1'), undefined);
      assert.equal(await store.deleteShare(ann, 's1'), false);
    }));

  test(`${kind}: the list is the owner's, newest first, paged, with the total`, () =>
    withDatabase(kind, async ({ store }) => {
      const { ann, bob } = await seed(store);
      for (const [index, id] of ['c2', 'c4'].entries()) {
        await store.createConversation({ ...(await conversationOf(store, ann, 'c1')), id, rootId: `${id}-root` });
        await store.insertMessage(ann, rootMessage(id));
        await store.createShare(share(ann, `s-${id}`, id, { createTime: 2e9 + index }));
      }
      await store.createShare(share(ann, 's-c1', 'c1', { createTime: 1e9 }));
      await store.createShare(share(bob, 's-c3', 'c3', { createTime: 3e9 }));
      const page = await store.listShares(ann, { offset: 0, limit: 2 });
      assert.deepEqual(
        page.items.map((item) => item.id),
        ['s-c4', 's-c2'],
      );
      assert.equal(page.total, 3);
      assert.deepEqual(
        (await store.listShares(ann, { offset: 2, limit: 2 })).items.map((item) => item.id),
        ['s-c1'],
      );
    }));

  test(`${kind}: deleting the conversation deletes its share (cascade)`, () =>
    withDatabase(kind, async ({ store }) => {
      const { ann } = await seed(store);
      const temporary = { ...(await conversationOf(store, ann, 'c1')), id: 'c9', rootId: 'c9-root', isTemporary: true };
      await store.createConversation(temporary);
      await store.insertMessage(ann, rootMessage('c9'));
      await store.createShare(share(ann, 's9', 'c9', { isPublic: true }));
      assert.equal(await store.purgeTemporaryConversations(Number.MAX_SAFE_INTEGER), 1);
      assert.equal(await store.getShare(ann, 's9'), undefined);
    }));
});

async function conversationOf(store: Store, ownerId: string, id: string) {
  const conversation = await store.getConversation(ownerId, id);
  assert.ok(conversation);
  const { updateTime: _u, isArchived: _a, isVisible: _v, ...fields } = conversation;
  return fields;
}
