/** The SettingsStore contract (the installation's key/value settings) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../helpers/databases.js';
import { withDatabase } from './store-fixtures.js';

forEachDatabase((kind) => {
  test(`${kind}: settings are replaced by putSetting`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.putSetting('signup_policy', 'open');
      await store.putSetting('signup_policy', 'closed');
      assert.equal(await store.getSetting('signup_policy'), 'closed');
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
});
