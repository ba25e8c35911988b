/** The PromptStore contract (the starter-prompt library) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../helpers/databases.js';
import { withDatabase } from './store-fixtures.js';

forEachDatabase((kind) => {
  test(`${kind}: the prompt library is seeded; upsert, delete and re-enable`, () =>
    withDatabase(kind, async ({ store }) => {
      const seeded = await store.listPrompts();
      assert.ok(seeded.length >= 60, `${seeded.length} prompts`);
      assert.equal(new Set(seeded.map((prompt) => prompt.id)).size, seeded.length);
      for (const prompt of seeded) assert.match(prompt.id, /^[0-9a-f]{8}$/);
      assert.deepEqual(
        seeded.map((prompt) => prompt.id),
        [...seeded.map((prompt) => prompt.id)].sort(),
      );
      const mine = { id: '0000beef', title: 'Say hi', description: 'to the operator', prompt: 'Hi!', category: 'fun' };
      await store.upsertPrompt(mine);
      await store.upsertPrompt({ ...mine, title: 'Say hello' });
      assert.deepEqual((await store.listPrompts())[0], { ...mine, title: 'Say hello' });
      assert.equal(await store.deletePrompt('0000beef'), true);
      assert.equal(await store.deletePrompt('0000beef'), false);
      assert.equal(await store.deletePrompt('ffffffff'), false);
      assert.equal((await store.listPrompts()).length, seeded.length);
      await store.upsertPrompt(mine);
      assert.equal((await store.listPrompts()).length, seeded.length + 1);
    }));
});
