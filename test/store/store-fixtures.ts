/** Builders of store records for the store suites (not a test file: the runner skips it). */
import type { MessageRecord, NewConversation, NewUser, Store } from '../../src/store/store.js';
import { type DatabaseKind, openTestDatabase, type TestDatabase } from '../helpers/databases.js';

/** Opens a fresh database of `kind`, runs `work`, and always drops the database. */
export async function withDatabase(kind: DatabaseKind, work: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await openTestDatabase(kind);
  try {
    await work(db);
  } finally {
    await db.close();
  }
}

export function newUser(name: string, overrides: Partial<NewUser> = {}): NewUser {
  return {
    id: `user-${name}`,
    email: `${name}@example.com`,
    name,
    passwordHash: `hash-of-${name}`,
    role: 'user',
    createTime: 1_700_000_000.5,
    ...overrides,
  };
}

export function newConversation(
  ownerId: string,
  id: string,
  overrides: Partial<NewConversation> = {},
): NewConversation {
  return {
    id,
    ownerId,
    title: null,
    createTime: 1_700_000_100.25,
    rootId: `${id}-root`,
    currentNode: `${id}-root`,
    isTemporary: false,
    defaultModel: 'demo',
    timezoneOffsetMin: -60,
    conversationMode: { kind: 'primary_assistant' },
    suggestions: ['Plan a trip'],
    ...overrides,
  };
}

export function rootMessage(conversationId: string, id = `${conversationId}-root`): MessageRecord {
  return message(conversationId, id, null, { role: 'root', createTime: null, updateTime: null, parts: [''] });
}

export function message(
  conversationId: string,
  id: string,
  parentId: string | null,
  overrides: Partial<MessageRecord> = {},
): MessageRecord {
  return {
    id,
    conversationId,
    parentId,
    role: 'user',
    authorName: null,
    contentType: 'text',
    parts: [`text of ${id}`],
    status: 'finished_successfully',
    endTurn: null,
    weight: 1,
    metadata: {},
    recipient: 'all',
    modelSlug: null,
    createTime: 1_700_000_200.125,
    updateTime: null,
    ...overrides,
  };
}

/** Creates user `name` with a conversation `conversationId` holding just its root. */
export async function userWithConversation(store: Store, name: string, conversationId: string): Promise<string> {
  const user = await store.createUser(newUser(name));
  await store.createConversation(newConversation(user.id, conversationId));
  await store.insertMessage(user.id, rootMessage(conversationId));
  return user.id;
}

/** Inserts a chain of messages under `parentId`; returns the inserted ids. */
export async function insertChain(
  store: Store,
  ownerId: string,
  conversationId: string,
  parentId: string,
  ids: string[],
): Promise<string[]> {
  let parent = parentId;
  for (const id of ids) {
    await store.insertMessage(ownerId, message(conversationId, id, parent));
    parent = id;
  }
  return ids;
}

/**
 * A conversation of `texts` in one line under its root (user and assistant alternating, the user
 * first), written straight to the store a few hundred rows at a time, its current node the last
 * message. Returns its id and the messages' ids, top to bottom.
 */
export async function insertLinearConversation(
  store: Store,
  ownerId: string,
  texts: readonly string[],
  title = 'A linear conversation',
): Promise<{ id: string; ids: string[] }> {
  const id = crypto.randomUUID();
  await store.createConversation(newConversation(ownerId, id, { title }));
  const records: MessageRecord[] = [rootMessage(id)];
  let parent = `${id}-root`;
  for (const [index, text] of texts.entries()) {
    const record = message(id, crypto.randomUUID(), parent, { role: index % 2 ? 'assistant' : 'user', parts: [text] });
    records.push(record);
    parent = record.id;
  }
  for (let start = 0; start < records.length; start += 500) {
    if (!(await store.insertMessages(ownerId, records.slice(start, start + 500))))
      throw new Error('insertLinearConversation: the conversation is missing');
  }
  await store.updateConversation(ownerId, id, { currentNode: parent });
  return { id, ids: records.slice(1).map((record) => record.id) };
}
