/** The GenerationStore contract: answer leases and the recovery of orphaned answers — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { latencyMetricFields } from '../../src/protocol/latency-metrics.js';
import { conversationByRootQuery } from '../../src/store/generation-queries.js';
import { openDatabase } from '../../src/store/open-database.js';
import type { GenerationLease, LatencyMetrics, LatencyReport, Store } from '../../src/store/store.js';
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

const streaming = { role: 'assistant', status: 'in_progress', metadata: { model_slug: 'demo' } } as const;

/** An `in_progress` answer `id` under the root of `conversationId`, with a lease when `lease` is given. */
async function answer(
  store: Store,
  ownerId: string,
  conversationId: string,
  id: string,
  lease?: Pick<GenerationLease, 'instanceId' | 'leaseExpireTime'>,
): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.insertMessage(
      ownerId,
      message(conversationId, id, `${conversationId}-root`, { ...streaming, parts: [`partial ${id}`] }),
    );
    if (lease) {
      await tx.insertGenerationLease({ conversationId, messageId: id, ownerId, startTime: 1_700_000_000, ...lease });
    }
  });
}

forEachDatabase((kind) => {
  test(`${kind}: only answers whose lease expired (or that have none) are marked interrupted`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      const bob = await userWithConversation(store, 'bob', 'c2');
      await answer(store, ann, 'c1', 'expired', { instanceId: 'dead', leaseExpireTime: 1_800_000_000 });
      await answer(store, ann, 'c1', 'live', { instanceId: 'alive', leaseExpireTime: 1_800_000_100 });
      await answer(store, bob, 'c2', 'unleased');
      assert.equal(await store.interruptExpiredAnswers(1_800_000_050), 2);
      const expired = await store.getMessage(ann, 'c1', 'expired');
      assert.equal(expired?.status, 'finished_partial_completion');
      assert.deepEqual(expired?.parts, ['partial expired']);
      assert.deepEqual(expired?.metadata, {
        model_slug: 'demo',
        finish_details: { type: 'interrupted' },
        is_complete: false,
      });
      assert.equal(expired?.updateTime, 1_800_000_050);
      assert.equal((await store.getMessage(bob, 'c2', 'unleased'))?.status, 'finished_partial_completion');
      assert.equal((await store.getMessage(ann, 'c1', 'live'))?.status, 'in_progress');
      assert.equal(await store.interruptExpiredAnswers(1_800_000_050), 0, 'a second sweep finds nothing');
      assert.deepEqual(await checkTreeInvariants(db, { allowInProgress: true }), []);
    }));

  test(`${kind}: renewing keeps an instance's answers alive until the renewed lease runs out`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      await answer(store, ann, 'c1', 'a1', { instanceId: 'one', leaseExpireTime: 1_800_000_000 });
      await answer(store, ann, 'c1', 'a2', { instanceId: 'one', leaseExpireTime: 1_800_000_000 });
      await answer(store, ann, 'c1', 'b1', { instanceId: 'two', leaseExpireTime: 1_800_000_000 });
      assert.equal(await store.renewGenerationLeases('one', 1_800_000_200), 2);
      assert.equal(await store.interruptExpiredAnswers(1_800_000_100), 1, 'only b1 ran out');
      assert.equal((await store.getMessage(ann, 'c1', 'a1'))?.status, 'in_progress');
      assert.equal(await store.interruptExpiredAnswers(1_800_000_150), 0, 'renewed until 1_800_000_200');
      assert.equal(await store.interruptExpiredAnswers(1_800_000_250), 2);
      for (const id of ['a1', 'a2', 'b1']) {
        assert.equal((await store.getMessage(ann, 'c1', id))?.status, 'finished_partial_completion');
      }
      assert.equal(await store.renewGenerationLeases('one', 1_800_000_300), 0, 'their leases are gone');
      assert.deepEqual(await checkTreeInvariants(db), []);
    }));

  test(`${kind}: a finished answer's lease goes with it; deleting the message deletes its lease`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      await answer(store, ann, 'c1', 'done', { instanceId: 'one', leaseExpireTime: 1_800_000_000 });
      await answer(store, ann, 'c1', 'gone', { instanceId: 'one', leaseExpireTime: 1_800_000_000 });
      await store.transaction(async (tx) => {
        await tx.updateMessage(ann, 'c1', 'done', { status: 'finished_successfully' });
        await tx.deleteGenerationLease('c1', 'done');
      });
      assert.equal(await store.deleteMessage(ann, 'c1', 'gone'), true);
      assert.equal(await store.renewGenerationLeases('one', 1_800_000_100), 0);
      assert.equal(await store.interruptExpiredAnswers(1_900_000_000), 0);
      assert.equal((await store.getMessage(ann, 'c1', 'done'))?.status, 'finished_successfully');
    }));

  test(`${kind}: a retried first turn finds its conversation by root and message id, for its owner only`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      await store.insertMessage(ann, message('c1', 'u1', 'c1-root'));
      assert.equal(await store.findConversationIdByRoot(ann, 'c1-root', 'u1'), 'c1');
      assert.equal(await store.findConversationIdByRoot(ann, 'c1-root', 'u2'), undefined);
      assert.equal(await store.findConversationIdByRoot(ann, 'other-root', 'u1'), undefined);
      const bob = await userWithConversation(store, 'bob', 'c2');
      assert.equal(await store.findConversationIdByRoot(bob, 'c1-root', 'u1'), undefined);
    }));

  test(`${kind}: that lookup reads the root index, not every conversation of the user`, () =>
    withDatabase(kind, async ({ config }) => {
      const { db } = await openDatabase(config);
      try {
        const query = conversationByRootQuery(db, 'ann', 'c1-root', 'u1').compile();
        const explain = (prefix: string) => CompiledQuery.raw(`${prefix} ${query.sql}`, [...query.parameters]);
        const plan =
          kind === 'sqlite'
            ? await db.executeQuery(explain('explain query plan'))
            : await db.connection().execute(async (connection) => {
                // Tables this small are read whole when allowed; the question is which index serves the query.
                await sql`set enable_seqscan = off`.execute(connection);
                return connection.executeQuery(explain('explain'));
              });
        const text = plan.rows.map((row) => Object.values(row as object).join(' ')).join('\n');
        assert.match(text, /conversations_root_idx/, text);
      } finally {
        await db.destroy();
      }
    }));
});

forEachDatabase((kind) => {
  test(`${kind}: instances see each other by heartbeat, refresh their row and remove it (with stale ones)`, () =>
    withDatabase(kind, async ({ store }) => {
      const row = (instanceId: string, heartbeatTime: number, sharedState: 'redis' | 'none' = 'none') => ({
        instanceId,
        label: `host:${instanceId} (pid 1)`,
        sharedState,
        startTime: 1_700_000_000,
        heartbeatTime,
      });
      await store.recordInstance(row('a', 1_700_000_010));
      await store.recordInstance(row('b', 1_700_000_020, 'redis'));
      await store.recordInstance(row('gone', 1_600_000_000));
      assert.deepEqual(
        (await store.otherLiveInstances('a', 1_700_000_000)).map((other) => [other.instanceId, other.sharedState]),
        [['b', 'redis']],
      );
      assert.deepEqual(await store.otherLiveInstances('b', 1_700_000_010), [], 'a heartbeat at `since` is not newer');
      await store.recordInstance(row('a', 1_700_000_030));
      assert.deepEqual(
        (await store.otherLiveInstances('b', 1_700_000_010)).map((other) => [other.instanceId, other.heartbeatTime]),
        [['a', 1_700_000_030]],
      );
      await store.removeInstance('a', 1_650_000_000);
      const left = await store.otherLiveInstances('nobody', 0);
      assert.deepEqual(
        left.map((other) => other.instanceId),
        ['b'],
        'its own row and the stale one are gone',
      );
    }));
});

function latencyReportOf(userId: string, conversationId: string, messageId: string): LatencyReport {
  const metrics = Object.fromEntries(latencyMetricFields.map((field, index) => [field, index + 0.5]));
  return {
    id: `report-${messageId}`,
    userId,
    source: 'server',
    model: 'demo',
    serverRequestId: 'req-1',
    conversationId,
    messageId,
    createTime: 1_750_000_000,
    ...(metrics as LatencyMetrics),
    countTokens: 42,
  };
}

forEachDatabase((kind) => {
  test(`${kind}: finishAnswer writes the final state, touches the conversation and ends the lease, for the owner only`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await userWithConversation(store, 'ann', 'c1');
      const bob = await userWithConversation(store, 'bob', 'c2');
      await answer(store, ann, 'c1', 'a1', { instanceId: 'me', leaseExpireTime: 1_800_000_000 });
      const final = {
        parts: ['the whole answer'],
        status: 'finished_successfully' as const,
        endTurn: true,
        metadata: { model_slug: 'demo', finish_details: { type: 'stop' } },
      };
      await store.finishAnswer(bob, 'c1', 'a1', final, 1_750_000_000);
      assert.equal((await store.getMessage(ann, 'c1', 'a1'))?.status, 'in_progress', 'another owner changes nothing');
      assert.equal(await store.interruptExpiredAnswers(1_700_000_000), 0, 'nor ends the lease');
      const report = latencyReportOf(ann, 'c1', 'a1');
      await store.finishAnswer(ann, 'c1', 'a1', final, 1_750_000_000, report);
      assert.deepEqual(await store.listLatencyReports(ann), [report], 'the latency report is written with it');
      const stored = await store.getMessage(ann, 'c1', 'a1');
      assert.deepEqual(
        [stored?.status, stored?.parts, stored?.endTurn, stored?.metadata],
        [final.status, final.parts, true, final.metadata],
      );
      assert.equal((await store.getConversation(ann, 'c1'))?.updateTime, 1_750_000_000);
      assert.equal(await store.interruptExpiredAnswers(1_900_000_000), 0, 'no lease and nothing in progress is left');
    }));
});

forEachDatabase((kind) => {
  test(`${kind}: startAnswer creates the turn's conversation with its messages, lease and current node`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = (await store.createUser(newUser('ann'))).id;
      const created = newConversation(ann, 'c1', { currentNode: 'c1-system', suggestions: ['Plan a trip', 'é 👋'] });
      const system = message('c1', 'c1-system', 'c1-root', { role: 'system', weight: 0, endTurn: true });
      const user = message('c1', 'u1', 'c1-system');
      const reply = message('c1', 'a1', 'u1', { ...streaming, createTime: 1_700_000_100.25 });
      const lease = {
        conversationId: 'c1',
        messageId: 'a1',
        ownerId: ann,
        instanceId: 'me',
        startTime: 1_700_000_100.25,
        leaseExpireTime: 1_800_000_000,
      };
      const start = {
        conversation: created,
        messages: [rootMessage('c1'), system, user, reply],
        lease,
        currentNode: 'a1',
        updateTime: 1_700_000_100.75,
      };
      assert.equal(await store.startAnswer(ann, start), true);
      assert.deepEqual(await store.getConversation(ann, 'c1'), {
        ...created,
        currentNode: 'a1',
        updateTime: 1_700_000_100.75,
        isArchived: false,
        isVisible: true,
      });
      assert.deepEqual(await store.getMessage(ann, 'c1', 'u1'), user);
      assert.deepEqual(await store.getMessage(ann, 'c1', 'a1'), reply);
      const listed = await store.listConversations(ann, { offset: 0, limit: 10, archived: false });
      assert.deepEqual([listed.total, listed.items.map((item) => item.id)], [1, ['c1']], 'counted and listed');
      assert.equal(await store.renewGenerationLeases('me', 1_800_000_100), 1, 'the lease is recorded');
      assert.deepEqual(await checkTreeInvariants(db, { allowInProgress: true }), []);

      // A message that cannot be written leaves no conversation behind either.
      const broken = {
        ...start,
        conversation: newConversation(ann, 'c2'),
        messages: [rootMessage('c2'), message('c2', 'u2', 'c2-root', { authorName: 'a\u0000b' })],
        lease: { ...lease, conversationId: 'c2', messageId: 'u2' },
      };
      await assert.rejects(
        store.transaction((tx) => tx.startAnswer(ann, broken)),
        /U\+0000|unsupported|text/i,
      );
      assert.equal(await store.getConversation(ann, 'c2'), undefined);
      const after = await store.listConversations(ann, { offset: 0, limit: 10, archived: false });
      assert.equal(after.total, 1, 'the count is unchanged');
    }));
});

forEachDatabase((kind) => {
  test(`${kind}: startAnswer writes the messages, the lease and the current node together, for the owner only`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await userWithConversation(store, 'ann', 'c1');
      const bob = await userWithConversation(store, 'bob', 'c2');
      const user = message('c1', 'u1', 'c1-root', {
        parts: ['héllo 👋 "quoted" \\ back\nslash \u0000 (kept inside JSON)'],
        createTime: 1_700_000_000.125,
        endTurn: null,
      });
      const reply = message('c1', 'a1', 'u1', { ...streaming, modelSlug: 'demo', createTime: 1_700_000_000.5 });
      const start = {
        messages: [user, reply],
        lease: {
          conversationId: 'c1',
          messageId: 'a1',
          ownerId: ann,
          instanceId: 'me',
          startTime: 1_700_000_000.5,
          leaseExpireTime: 1_800_000_000,
        },
        currentNode: 'a1',
        updateTime: 1_700_000_000.5,
      };
      assert.equal(await store.startAnswer(bob, start), false, "another owner's conversation is refused");
      assert.equal(await store.getMessage(ann, 'c1', 'u1'), undefined, 'and nothing is written');
      assert.equal(await store.interruptExpiredAnswers(1_900_000_000), 0, 'not even a lease');

      assert.equal(await store.startAnswer(ann, start), true);
      assert.deepEqual(await store.getMessage(ann, 'c1', 'u1'), user);
      assert.deepEqual(await store.getMessage(ann, 'c1', 'a1'), reply);
      const conversation = await store.getConversation(ann, 'c1');
      assert.deepEqual([conversation?.currentNode, conversation?.updateTime], ['a1', 1_700_000_000.5]);
      assert.equal(await store.renewGenerationLeases('me', 1_800_000_100), 1, 'the lease is recorded');
      assert.deepEqual(await checkTreeInvariants(db, { allowInProgress: true }), []);

      const nul = {
        ...start,
        messages: [message('c1', 'u2', 'a1', { authorName: 'a\u0000b' })],
        lease: { ...start.lease, messageId: 'u2' },
      };
      await assert.rejects(
        store.startAnswer(ann, nul),
        /U\+0000|unsupported|text/i,
        'U+0000 in a text column is refused',
      );
      assert.equal(await store.getMessage(ann, 'c1', 'u2'), undefined);
    }));
});
