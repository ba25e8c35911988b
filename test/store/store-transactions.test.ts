/**
 * The Store contract shared by every part: transactions, and exact round-trips of text and numbers — on
 * every database.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../../src/store/store.js';
import { UnsupportedTextError } from '../../src/store/store-errors.js';
import { forEachDatabase } from '../helpers/databases.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import {
  message,
  newConversation,
  newUser,
  rootMessage,
  userWithConversation,
  withDatabase,
} from './store-fixtures.js';

/** One turn's writes with pauses in between, so that concurrent callers get every chance to interleave. */
async function writeTurn(tx: Store, index: number): Promise<void> {
  const user = await tx.createUser(newUser(`u${index}`));
  await delay(index % 3);
  await tx.createConversation(newConversation(user.id, `c${index}`));
  await tx.insertMessage(user.id, rootMessage(`c${index}`));
  await delay((index * 7) % 4);
  await tx.insertMessage(user.id, message(`c${index}`, 'user', `c${index}-root`));
  await tx.insertMessage(user.id, message(`c${index}`, 'assistant', 'user', { role: 'assistant' }));
  await tx.updateConversation(user.id, `c${index}`, { currentNode: 'assistant' });
}

/** A deadlock would hang forever: fail instead. */
const timeout = { timeout: 60_000 };

class Rollback extends Error {}

/** A promise and its resolver (Node 20 has no Promise.withResolvers). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

forEachDatabase((kind) => {
  test(`${kind}: 20 concurrent transactions — committed ones persist whole, failed ones leave nothing`, timeout, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, index) =>
          store.transaction(async (tx) => {
            await writeTurn(tx, index);
            if (index % 2 === 1) throw new Rollback(`turn ${index}`);
            return index;
          }),
        ),
      );
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status === 'fulfilled'),
        Array.from({ length: 20 }, (_, i) => i % 2 === 0),
      );
      assert.ok(outcomes.every((outcome) => outcome.status === 'fulfilled' || outcome.reason instanceof Rollback));
      assert.equal(await store.countUsers(), 10);
      for (let index = 0; index < 20; index++) {
        const messages = await store.listMessages(`user-u${index}`, `c${index}`);
        assert.equal(messages.length, index % 2 === 0 ? 3 : 0, `turn ${index}`);
      }
      assert.deepEqual(await checkTreeInvariants(db), []);
    }),
  );

  test(`${kind}: a throw rolls the whole transaction back and is rethrown as is`, timeout, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      await userWithConversation(store, 'ann', 'c1');
      const before = await db.digest();
      const failure = new Rollback('no');
      const attempt = store.transaction(async (tx) => {
        await tx.createUser(newUser('bob'));
        await tx.updateConversation('user-ann', 'c1', { title: 'changed' });
        await tx.insertMessage('user-ann', message('c1', 'm1', 'c1-root'));
        await tx.putSettingIfAbsent('k', 'v');
        throw failure;
      });
      await assert.rejects(attempt, (error) => error === failure);
      assert.equal(await db.digest(), before);
    }),
  );

  test(`${kind}: nested transactions through tx join the outer transaction`, timeout, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const before = await db.digest();
      const attempt = store.transaction(async (tx) => {
        await tx.transaction((inner) => inner.createUser(newUser('ann')));
        await tx.createUser(newUser('bob'));
        assert.equal(await tx.countUsers(), 2);
        await tx.transaction(async (inner) => {
          assert.ok(await inner.getUserById('user-bob'));
          await inner.transaction(async (deeper) => assert.equal(await deeper.countUsers(), 2));
        });
        throw new Rollback('undo both');
      });
      await assert.rejects(attempt, Rollback);
      assert.equal(await db.digest(), before);
      assert.equal(await store.transaction(async (tx) => (await tx.createUser(newUser('cy'))).id), 'user-cy');
      assert.equal(await store.countUsers(), 1);
    }),
  );

  test(`${kind}: callers outside a transaction never see its uncommitted writes`, timeout, () =>
    withDatabase(kind, async ({ store }) => {
      const { promise: written, resolve: markWritten } = signal();
      const { promise: gate, resolve: openGate } = signal();
      const attempt = store.transaction(async (tx) => {
        await tx.createUser(newUser('ann'));
        markWritten();
        await gate;
        throw new Rollback('undo');
      });
      await written;
      const outside = store.getUserById('user-ann');
      await delay(20);
      openGate();
      await assert.rejects(attempt, Rollback);
      assert.equal(await outside, undefined);
    }),
  );

  test(
    `${kind}: work still running after a transaction ended uses the database, not the dead transaction`,
    timeout,
    () =>
      withDatabase(kind, async ({ store }) => {
        let late: Promise<unknown> = Promise.resolve();
        await store.transaction(async (tx) => {
          await tx.createUser(newUser('ann'));
          late = delay(30).then(() => store.getUserById('user-ann'));
        });
        assert.equal(((await late) as { id: string } | undefined)?.id, 'user-ann');
      }),
  );

  test(`${kind}: JSON columns round-trip unicode, emoji, control characters and U+0000 byte-exact`, timeout, () =>
    withDatabase(kind, async ({ store }) => {
      const owner = await userWithConversation(store, 'ann', 'c1');
      const parts = [
        'héllo wörld — ñ',
        '日本語のテキスト',
        '👩‍👩‍👧‍👦 🎉 🇫🇷',
        'nul:\u0000:end',
        'controls \u0001\u001f\u007f',
        'quote " backslash \\ slash /',
        'separators \u2028\u2029',
        'lone \ud800 surrogate',
        '',
      ];
      const metadata = { ключ: '值', emoji: '🚀', nul: 'a\u0000b', nested: [{ 'k\u0000ey': ['\u0000'] }] };
      await store.insertMessage(owner, message('c1', 'm1', 'c1-root', { parts, metadata }));
      const stored = await store.getMessage(owner, 'c1', 'm1');
      assert.deepEqual(stored?.parts, parts);
      assert.deepEqual(stored?.metadata, metadata);
      assert.equal(JSON.stringify(stored?.parts), JSON.stringify(parts));
      assert.equal(JSON.stringify(stored?.metadata), JSON.stringify(metadata));
    }),
  );

  test(`${kind}: plain text accepts any unicode but refuses U+0000 and unpaired surrogates alike`, timeout, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const owner = await userWithConversation(store, 'ann', 'c1');
      assert.equal(await store.updateConversation(owner, 'c1', { title: 'Café 日本 🎉 \u2028' }), true);
      assert.equal((await store.getConversation(owner, 'c1'))?.title, 'Café 日本 🎉 \u2028');
      const before = await db.digest();
      await assert.rejects(store.updateConversation(owner, 'c1', { title: 'a\u0000b' }), UnsupportedTextError);
      await assert.rejects(store.setTitleIfUntitled(owner, 'c1', '\udc00'), UnsupportedTextError);
      await assert.rejects(store.createUser(newUser('nul', { name: 'x\u0000' })), UnsupportedTextError);
      assert.equal(await db.digest(), before);
    }),
  );

  test(`${kind}: float epoch times and weights round-trip exactly`, timeout, () =>
    withDatabase(kind, async ({ store }) => {
      const owner = await userWithConversation(store, 'ann', 'c1');
      const times = { createTime: 1_702_345_678.123456, updateTime: 1_702_345_678.1234567 };
      await store.insertMessage(owner, message('c1', 'm1', 'c1-root', { ...times, weight: 0.1 + 0.2 }));
      const stored = await store.getMessage(owner, 'c1', 'm1');
      assert.deepEqual(
        [stored?.createTime, stored?.updateTime, stored?.weight],
        [times.createTime, times.updateTime, 0.1 + 0.2],
      );
      await store.updateConversation(owner, 'c1', { updateTime: 1e-7 });
      assert.equal((await store.getConversation(owner, 'c1'))?.updateTime, 1e-7);
    }),
  );
});
