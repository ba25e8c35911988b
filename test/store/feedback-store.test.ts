/** The FeedbackStore contract (thumbs ratings) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../helpers/databases.js';
import { withDatabase } from './store-fixtures.js';

forEachDatabase((kind) => {
  test(`${kind}: feedback is one rating per user and message; a second call replaces it`, () =>
    withDatabase(kind, async ({ store }) => {
      const first = {
        id: 'fb-1',
        userId: 'user-ann',
        conversationId: 'c1',
        messageId: 'm1',
        rating: 'thumbsUp',
        text: null,
        tags: [],
        createTime: 10.5,
      } as const;
      assert.deepEqual(await store.upsertFeedback({ ...first, tags: [] }), { ...first, tags: [] });
      const second = {
        ...first,
        id: 'fb-2',
        rating: 'thumbsDown',
        text: 'Wrong 👎',
        tags: ['harmful', 'false'],
        createTime: 11,
      } as const;
      const stored = await store.upsertFeedback({ ...second, tags: [...second.tags] });
      assert.deepEqual(stored, { ...second, id: 'fb-1', tags: ['harmful', 'false'] });
      await store.upsertFeedback({ ...first, id: 'fb-3', messageId: 'm2', tags: [], createTime: 12 });
      assert.deepEqual(
        (await store.listFeedback('user-ann')).map((item) => [item.id, item.rating]),
        [
          ['fb-1', 'thumbsDown'],
          ['fb-3', 'thumbsUp'],
        ],
      );
      assert.deepEqual(await store.listFeedback('user-bob'), []);
    }));
});
