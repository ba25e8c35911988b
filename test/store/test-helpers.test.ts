/** The shared test helpers must catch what they claim to: tree-checker violations and digest changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openTestDatabase } from '../helpers/databases.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { insertChain, newConversation, userWithConversation, withDatabase } from './store-fixtures.js';

interface RawMessage {
  conversation: string;
  id: string;
  parent: string | null;
  owner?: string;
  role?: string;
  status?: string;
  createTime?: number | null;
  updateTime?: number | null;
}

/** Writes rows the store would refuse, through a raw connection with foreign keys and the one-root index off. */
function insertRaw(file: string, rows: RawMessage[]): void {
  const raw = new BetterSqlite3(file);
  try {
    raw.pragma('foreign_keys = OFF');
    raw.exec('drop index messages_one_root_idx');
    const insert = raw.prepare(
      `insert into messages (conversation_id, owner_id, id, parent_id, role, content_type, parts, status, weight, metadata, recipient, create_time, update_time)
       values (?, ?, ?, ?, ?, 'text', '[]', ?, 1, '{}', 'all', ?, ?)`,
    );
    for (const row of rows) {
      const { owner = 'user-ann', role = 'user', status = 'finished_successfully' } = row;
      insert.run(
        row.conversation,
        owner,
        row.id,
        row.parent,
        role,
        status,
        row.createTime ?? null,
        row.updateTime ?? null,
      );
    }
  } finally {
    raw.close();
  }
}

test('tree checker: a healthy database has no violations', () =>
  withDatabase('sqlite', async (db) => {
    const ann = await userWithConversation(db.store, 'ann', 'c1');
    await insertChain(db.store, ann, 'c1', 'c1-root', ['u1', 'a1']);
    await db.store.updateConversation(ann, 'c1', { currentNode: 'a1' });
    assert.deepEqual(await checkTreeInvariants(db, { acknowledged: [{ conversationId: 'c1', messageId: 'u1' }] }), []);
  }));

test('tree checker: reports each invariant T1–T7', () =>
  withDatabase('sqlite', async (db) => {
    const ann = await userWithConversation(db.store, 'ann', 'healthy');
    for (const id of ['dangling', 'two-roots', 'cycle', 'stray-node', 'foreign', 'streaming', 'backwards']) {
      await db.store.createConversation(newConversation(ann, id));
    }
    await db.store.updateConversation(ann, 'stray-node', { currentNode: 'nowhere' });
    if (db.config.kind !== 'sqlite') throw new Error('sqlite only');
    insertRaw(db.config.file, [
      ...['dangling', 'two-roots', 'stray-node', 'foreign', 'streaming', 'backwards'].map((conversation) => ({
        conversation,
        id: `${conversation}-root`,
        parent: null,
        role: 'root',
      })),
      { conversation: 'dangling', id: 'orphan', parent: 'ghost' },
      { conversation: 'two-roots', id: 'second-root', parent: null },
      { conversation: 'cycle', id: 'a', parent: 'b' },
      { conversation: 'cycle', id: 'b', parent: 'a' },
      { conversation: 'foreign', id: 'x', parent: 'foreign-root', owner: 'user-bob' },
      { conversation: 'streaming', id: 'x', parent: 'streaming-root', status: 'in_progress' },
      { conversation: 'backwards', id: 'x', parent: 'backwards-root', createTime: 20, updateTime: 10 },
    ]);
    const violations = await checkTreeInvariants(db, {
      acknowledged: [{ conversationId: 'healthy', messageId: 'lost' }],
    });
    const expected = [
      'T1 conversation dangling: message orphan has parent ghost',
      'T1 conversation two-roots: message second-root has no parent but role user',
      'T2 conversation two-roots has 2 roots',
      'T2 conversation cycle has 0 roots',
      'T2 conversation cycle has a cycle through a, b',
      'T3 conversation cycle: current_node cycle-root',
      'T3 conversation stray-node: current_node nowhere',
      'T4 conversation foreign: message x is owned by user-bob',
      'T5 conversation healthy: acknowledged user message lost is missing',
      'T6 conversation streaming: message x is in_progress',
      'T7 conversation backwards: message x has create_time 20 > update_time 10',
    ];
    for (const line of expected)
      assert.ok(
        violations.some((violation) => violation.startsWith(line)),
        `missing: ${line}\n${violations.join('\n')}`,
      );
    assert.equal(violations.length, expected.length, violations.join('\n'));
    assert.deepEqual(
      await checkTreeInvariants(db, { allowInProgress: true }).then((all) => all.filter((v) => v.startsWith('T6'))),
      [],
    );
  }));

test('digest: stable while nothing changes, different after any change', async () => {
  const db = await openTestDatabase('sqlite');
  try {
    const first = await db.digest();
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(await db.digest(), first);
    await db.store.putSettingIfAbsent('k', 'v');
    const second = await db.digest();
    assert.notEqual(second, first);
    const owner = await userWithConversation(db.store, 'ann', 'c1');
    const third = await db.digest();
    await db.store.updateConversation(owner, 'c1', { isArchived: true });
    assert.notEqual(await db.digest(), third);
    await db.store.updateConversation(owner, 'c1', { isArchived: false });
    assert.equal(await db.digest(), third);
  } finally {
    await db.close();
  }
});
