/**
 * Full-text search (migration 006, SearchStore and the search module) on every database: ranking,
 * snippets and their highlights, unicode, owner scoping, what is never found, the index kept in step
 * with every write, paging, and hostile queries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchConversations } from '../../src/conversation/conversation-search.js';
import type { WireSearchPage } from '../../src/protocol/search-types.js';
import { migrations } from '../../src/store/migrations/index.js';
import { runMigrations } from '../../src/store/migrator.js';
import { type OpenedDatabase, openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import { maxRankedDocuments } from '../../src/store/search-queries.js';
import type { Store } from '../../src/store/store.js';
import { createEmptyTestDatabase, forEachDatabase } from '../helpers/databases.js';
import { message, newConversation, newUser, rootMessage, withDatabase } from './store-fixtures.js';

interface ConversationSpec {
  title?: string | null;
  texts?: string[];
  isTemporary?: boolean;
}

/** A conversation of `owner` holding a chain of messages with `texts` (ids `<id>-m0`, `<id>-m1`…). */
async function addConversation(store: Store, owner: string, id: string, spec: ConversationSpec = {}): Promise<void> {
  await store.createConversation(
    newConversation(owner, id, { title: spec.title ?? null, isTemporary: spec.isTemporary ?? false }),
  );
  const records = [rootMessage(id)];
  let parent = `${id}-root`;
  for (const [index, text] of (spec.texts ?? []).entries()) {
    const messageId = `${id}-m${index}`;
    records.push(message(id, messageId, parent, { role: index % 2 === 0 ? 'user' : 'assistant', parts: [text] }));
    parent = messageId;
  }
  assert.equal(await store.insertMessages(owner, records), true);
}

function find(store: Store, owner: string, query: string, limit = 20, cursor?: string): Promise<WireSearchPage> {
  return searchConversations(store, owner, { query, limit, cursor });
}

async function ids(store: Store, owner: string, query: string): Promise<string[]> {
  return (await find(store, owner, query)).items.map((item) => item.conversation_id);
}

/** The highlighted words of an item, as text. */
function highlighted(page: WireSearchPage, index = 0): string[] {
  const payload = page.items[index]?.payload;
  assert.ok(payload, `no item ${index}`);
  return payload.snippet_highlights.map(([start, end]) => payload.snippet.slice(start, end));
}

forEachDatabase((kind) => {
  test(`${kind}: a title hit ranks above a message hit; one item per conversation, its best hit`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      await addConversation(store, ann, 'c-body', { title: 'Groceries', texts: ['buy a zebra cake', 'ok'] });
      await addConversation(store, ann, 'c-title', { title: 'Zebra facts', texts: ['stripes everywhere'] });
      await addConversation(store, ann, 'c-both', {
        title: 'Misc',
        texts: ['a zebra', 'zebra zebra again', 'zebra once more'],
      });
      await addConversation(store, ann, 'c-none', { title: 'Horses', texts: ['no match here'] });
      const page = await find(store, ann, 'zebra');
      assert.equal(page.items[0]?.conversation_id, 'c-title');
      assert.equal(page.items[0]?.payload.kind, 'title');
      assert.equal(page.items[0]?.payload.message_id, null);
      assert.equal(page.items[0]?.payload.snippet, 'Zebra facts');
      assert.deepEqual(page.items.map((item) => item.conversation_id).sort(), ['c-body', 'c-both', 'c-title']);
      const both = page.items.find((item) => item.conversation_id === 'c-both');
      assert.equal(both?.payload.kind, 'message');
      assert.equal(both?.payload.message_id, 'c-both-m1', 'the message with the most hits is the best');
      assert.equal(page.cursor, null);
      assert.deepEqual(Object.keys(page.items[0] ?? {}), [
        'conversation_id',
        'current_node_id',
        'title',
        'is_archived',
        'create_time',
        'update_time',
        'payload',
      ]);
      assert.equal(page.items[0]?.current_node_id, 'c-title-root');
      assert.equal(page.items[0]?.create_time, 1_700_000_100.25);
    }));

  test(`${kind}: every word must match; the last word matches as a prefix`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      await addConversation(store, ann, 'c1', { texts: ['learning python generators today'] });
      await addConversation(store, ann, 'c2', { texts: ['python only'] });
      assert.deepEqual(await ids(store, ann, 'python generators'), ['c1']);
      assert.deepEqual(await ids(store, ann, 'generators python'), ['c1']);
      assert.deepEqual((await ids(store, ann, 'pyth')).sort(), ['c1', 'c2']);
      assert.deepEqual(await ids(store, ann, 'python gen'), ['c1']);
      // Two letters are not a prefix (too broad): only the whole word.
      assert.deepEqual(await ids(store, ann, 'py'), []);
      assert.deepEqual(await ids(store, ann, 'generator'), ['c1']);
      assert.deepEqual(await ids(store, ann, 'generator python'), [], 'only the last word is a prefix');
    }));

  test(`${kind}: snippets are plain text around the hit, highlights are UTF-16 offsets of the matched words`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      const filler = 'lorem ipsum dolor sit amet '.repeat(20);
      const text = `${filler}\n\n🎉 <b>Needle</b>   found,\tthen the NEEDLES again. ${filler}`;
      await addConversation(store, ann, 'c1', { texts: [text] });
      const page = await find(store, ann, 'needle');
      const payload = page.items[0]?.payload;
      assert.ok(payload);
      assert.equal(payload.message_id, 'c1-m0');
      assert.ok(payload.snippet.startsWith('…'), payload.snippet);
      assert.ok(payload.snippet.endsWith('…'), payload.snippet);
      assert.ok(payload.snippet.length <= 210, `${payload.snippet.length}`);
      assert.ok(payload.snippet.includes('🎉 <b>Needle</b> found, then the NEEDLES again.'), payload.snippet);
      assert.ok(!payload.snippet.includes('\n') && !payload.snippet.includes('\t'));
      assert.deepEqual(highlighted(page), ['Needle', 'NEEDLES']);
      // The emoji before the match counts two UTF-16 units.
      const [first] = payload.snippet_highlights;
      assert.ok(first);
      assert.equal(payload.snippet.indexOf('Needle'), first[0]);
      // Exact-word search: only "needles" highlighted when searching that.
      assert.deepEqual(highlighted(await find(store, ann, 'needles')), ['NEEDLES']);
    }));

  test(`${kind}: unicode — case, accents, non-Latin scripts, emoji`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      await addConversation(store, ann, 'c-fr', { texts: ['Un CAFÉ crème et une crêpe, très naïve'] });
      await addConversation(store, ann, 'c-el', { texts: ['Καλημέρα κόσμε'] });
      await addConversation(store, ann, 'c-ru', { texts: ['Привет, МИР'] });
      await addConversation(store, ann, 'c-ja', { texts: ['東京 に 行きます'] });
      await addConversation(store, ann, 'c-de', { title: 'Grüße aus Köln', texts: ['🙂 emoji 👍🏽 words'] });
      assert.deepEqual(await ids(store, ann, 'cafe'), ['c-fr']);
      assert.deepEqual(await ids(store, ann, 'Café'), ['c-fr']);
      assert.deepEqual(await ids(store, ann, 'NAIVE creme'), ['c-fr']);
      assert.deepEqual(highlighted(await find(store, ann, 'naive creme')), ['crème', 'naïve']);
      assert.deepEqual(await ids(store, ann, 'κόσμε'), ['c-el']);
      // unicode61 folds the accents of Latin letters only; PostgreSQL's folding takes every U+0300–U+036F mark.
      assert.deepEqual(await ids(store, ann, 'ΚΟΣΜΕ'), kind === 'sqlite' ? [] : ['c-el']);
      assert.deepEqual(await ids(store, ann, 'мир'), ['c-ru']);
      assert.deepEqual(await ids(store, ann, '東京'), ['c-ja']);
      assert.deepEqual(await ids(store, ann, 'koln'), ['c-de']);
      assert.deepEqual(await ids(store, ann, 'emoji'), ['c-de']);
      assert.deepEqual(highlighted(await find(store, ann, 'words')), ['words']);
      assert.deepEqual(await ids(store, ann, '👍🏽'), [], 'an emoji alone is no word');
    }));

  test(`${kind}: only the owner's conversations; never hidden, temporary, hidden messages, streaming answers or roots`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      const bob = (await store.createUser(newUser('bob'))).id;
      await addConversation(store, ann, 'c-ann', { title: 'secret walrus', texts: ['walrus notes'] });
      await addConversation(store, bob, 'c-bob', { title: 'walrus too', texts: ['walrus'] });
      await addConversation(store, ann, 'c-temp', { texts: ['walrus temporary'], isTemporary: true });
      await addConversation(store, ann, 'c-deleted', { texts: ['walrus deleted'] });
      await addConversation(store, ann, 'c-archived', { texts: ['walrus archived'] });
      assert.equal(await store.updateConversation(ann, 'c-deleted', { isVisible: false }), true);
      assert.equal(await store.updateConversation(ann, 'c-archived', { isArchived: true }), true);
      await addConversation(store, ann, 'c-hidden', {});
      await store.insertMessages(ann, [
        message('c-hidden', 'sys', 'c-hidden-root', {
          role: 'system',
          parts: ['walrus in custom instructions'],
          metadata: { is_visually_hidden_from_conversation: true },
        }),
        message('c-hidden', 'answer', 'sys', { role: 'assistant', parts: ['walrus streaming'], status: 'in_progress' }),
      ]);
      const annHits = await find(store, ann, 'walrus');
      assert.deepEqual(annHits.items.map((item) => item.conversation_id).sort(), ['c-ann', 'c-archived']);
      assert.equal(annHits.items.find((item) => item.conversation_id === 'c-archived')?.is_archived, true);
      assert.deepEqual(await ids(store, bob, 'walrus'), ['c-bob']);
      assert.deepEqual(await ids(store, 'user-nobody', 'walrus'), []);
      // The hidden conversation comes back when restored.
      await store.updateConversation(ann, 'c-deleted', { isVisible: true });
      assert.ok((await ids(store, ann, 'walrus')).includes('c-deleted'));
      // The answer is found once it ends.
      await store.updateMessage(ann, 'c-hidden', 'answer', { parts: ['walrus streaming more'] });
      assert.ok(!(await ids(store, ann, 'walrus')).includes('c-hidden'));
      await store.updateMessage(ann, 'c-hidden', 'answer', { status: 'finished_successfully' });
      const found = await find(store, ann, 'walrus streaming');
      assert.deepEqual(
        found.items.map((item) => [item.conversation_id, item.payload.message_id]),
        [['c-hidden', 'answer']],
      );
    }));

  test(`${kind}: the index follows every write — insert, edit, delete, rename, conversation delete`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      await addConversation(store, ann, 'c1', { title: 'Old name', texts: ['first apple'] });
      assert.deepEqual(await ids(store, ann, 'apple'), ['c1']);
      await store.insertMessage(ann, message('c1', 'late', 'c1-m0', { parts: ['a banana arrives'] }));
      assert.deepEqual(await ids(store, ann, 'banana'), ['c1']);
      await store.updateMessage(ann, 'c1', 'late', { parts: ['a cherry instead'] });
      assert.deepEqual(await ids(store, ann, 'banana'), []);
      assert.deepEqual(await ids(store, ann, 'cherry'), ['c1']);
      await store.deleteMessage(ann, 'c1', 'late');
      assert.deepEqual(await ids(store, ann, 'cherry'), []);
      assert.deepEqual(await ids(store, ann, 'old name'), ['c1']);
      await store.updateConversation(ann, 'c1', { title: 'Fresh title' });
      assert.deepEqual(await ids(store, ann, 'old'), []);
      assert.deepEqual(await ids(store, ann, 'fresh'), ['c1']);
      // A title set later on an untitled conversation.
      await addConversation(store, ann, 'c2', { texts: ['nothing'] });
      assert.equal(await store.setTitleIfUntitled(ann, 'c2', 'Generated heading'), true);
      assert.deepEqual(await ids(store, ann, 'heading'), ['c2']);
      // Deleting the root deletes the whole tree, and with it every document.
      await store.deleteMessage(ann, 'c1', 'c1-root');
      assert.deepEqual(await ids(store, ann, 'apple'), []);
      assert.deepEqual(await ids(store, ann, 'fresh'), []);
      // Purging temporary conversations deletes their documents too (they were never found anyway).
      await addConversation(store, ann, 'c-temp', { texts: ['kiwi'], isTemporary: true });
      assert.equal(await store.purgeTemporaryConversations(2_000_000_000), 1);
      // A write rolled back leaves no document behind.
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertMessage(ann, message('c2', 'rolled', 'c2-root', { parts: ['mango'] }));
          throw new Error('roll back');
        }),
      );
      assert.deepEqual(await ids(store, ann, 'mango'), []);
    }));

  test(`${kind}: imported-like deep trees with branches and odd parts`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      await store.createConversation(newConversation(ann, 'deep', { title: 'Imported' }));
      const records = [rootMessage('deep')];
      let parent = 'deep-root';
      for (let index = 0; index < 1500; index += 1) {
        const id = `n${index}`;
        const parts =
          index === 1234 ? ['needle at depth', { asset_pointer: 'file://x' }, 'second part'] : [`t${index}`];
        records.push(message('deep', id, parent, { parts, contentType: index === 1234 ? 'multimodal_text' : 'text' }));
        // A sibling branch every 100 nodes.
        if (index % 100 === 0) records.push(message('deep', `b${index}`, parent, { parts: ['branch haystack'] }));
        parent = id;
      }
      records.push(
        message('deep', 'odd', 'n0', { parts: ['nul \u0000 and lone \ud800 surrogate then pineapple'] }),
        message('deep', 'empty', 'n0', { parts: [] }),
        message('deep', 'objects', 'n0', { parts: [{ text: 'json keys are not text' }] }),
      );
      assert.equal(await store.insertMessages(ann, records), true);
      const page = await find(store, ann, 'needle');
      assert.equal(page.items[0]?.payload.message_id, 'n1234');
      assert.equal(page.items[0]?.payload.snippet, 'needle at depth second part');
      assert.deepEqual(await ids(store, ann, 'haystack'), ['deep']);
      assert.deepEqual(await ids(store, ann, 'asset_pointer'), []);
      assert.deepEqual(await ids(store, ann, 'keys'), []);
      // Text JSON escapes cannot carry is still stored; on PostgreSQL that message is indexed empty.
      assert.equal((await store.getMessage(ann, 'deep', 'odd'))?.parts.length, 1);
      assert.deepEqual(await ids(store, ann, 'pineapple'), kind === 'sqlite' ? ['deep'] : []);
    }));

  test(`${kind}: keyset paging returns every conversation once, in rank order`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      for (let index = 0; index < 23; index += 1) {
        const id = `c${String(index).padStart(2, '0')}`;
        // Some share a score (ties are ordered by id), some differ.
        await addConversation(store, ann, id, { texts: [`${'otter '.repeat(1 + (index % 3))} and filler ${index}`] });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await find(store, ann, 'otter', 10, cursor);
        seen.push(...page.items.map((item) => item.conversation_id));
        cursor = page.cursor ?? undefined;
        pages += 1;
        assert.ok(pages <= 3);
      } while (cursor);
      assert.equal(pages, 3);
      assert.equal(seen.length, 23);
      assert.equal(new Set(seen).size, 23);
      const all = await find(store, ann, 'otter', 50);
      assert.deepEqual(
        seen,
        all.items.map((item) => item.conversation_id),
      );
      assert.equal(all.cursor, null);
      await assert.rejects(find(store, ann, 'otter', 10, 'not-a-cursor!'), /cursor/);
      await assert.rejects(find(store, ann, 'otter', 10, Buffer.from('{"s":"x"}').toString('base64url')), /cursor/);
    }));

  test(`${kind}: hostile queries never reach the database as syntax`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      await addConversation(store, ann, 'c1', { texts: ['near the OR gate, x-ray: it\'s a "quoted" back\\slash'] });
      const hostile = [
        '"',
        '""',
        '*',
        'NEAR(',
        'NEAR(a b, 1)',
        'OR',
        'AND',
        'NOT',
        '-',
        ':',
        "'",
        "''",
        '\\',
        '\\\\',
        '^',
        '(',
        ')',
        '{a b}',
        'body:x',
        'a & b | !c',
        "x:* & 'y'",
        '<->',
        '\u0000',
        '\ud800',
        'a'.repeat(10_000),
        'word '.repeat(2_000),
        '🙂',
        '\u0301',
        '\u0301\u0301\u0301*',
        '½ ² Ⅻ ǅ',
        '\u200d',
        ' \t\n ',
      ];
      for (const query of hostile) {
        const page = await find(store, ann, query);
        assert.ok(Array.isArray(page.items), JSON.stringify(query));
      }
      assert.deepEqual(await ids(store, ann, 'OR'), ['c1']);
      assert.deepEqual(await ids(store, ann, 'NEAR('), ['c1']);
      assert.deepEqual(await ids(store, ann, '"quoted"'), ['c1']);
      assert.deepEqual(await ids(store, ann, 'x-ray'), ['c1']);
      assert.deepEqual(await ids(store, ann, "it's"), ['c1']);
      assert.deepEqual(await ids(store, ann, 'back\\slash'), ['c1']);
      assert.deepEqual(await ids(store, ann, '-gate'), ['c1'], 'a minus is no NOT');
      assert.deepEqual(await find(store, ann, '   '), { items: [], cursor: null });
    }));

  test(`${kind}: a very common word ranks the owner's newest matches; others' matches never crowd them out`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      const bob = (await store.createUser(newUser('bob'))).id;
      await addConversation(store, ann, 'ann-old', { texts: ['common word in an old chat'] });
      await addConversation(store, bob, 'bob-many', {});
      const count = maxRankedDocuments + 100;
      for (let first = 0; first < count; first += 1_000) {
        const records = Array.from({ length: Math.min(1_000, count - first) }, (_, offset) =>
          message('bob-many', `b${first + offset}`, 'bob-many-root', { parts: [`common ${first + offset}`] }),
        );
        await store.insertMessages(bob, records);
      }
      await addConversation(store, bob, 'bob-old-title', { title: 'common title' });
      assert.deepEqual(await ids(store, ann, 'common'), ['ann-old']);
      const bobs = await find(store, bob, 'common');
      assert.equal(bobs.items.length, 2);
      assert.deepEqual(bobs.items.map((item) => item.conversation_id).sort(), ['bob-many', 'bob-old-title']);
    }));

  test(`${kind}: a word in ${maxRankedDocuments} or more of the owner's messages is not expanded; titles first, then the newest`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = (await store.createUser(newUser('ann'))).id;
      const chats = Array.from({ length: 21 }, (_, index) => `chat-${String(index).padStart(2, '0')}`);
      for (const id of chats) {
        await addConversation(store, ann, id, { texts: Array.from({ length: 50 }, (_, n) => `common ${id} ${n}`) });
      }
      await addConversation(store, ann, 'titled', { title: 'Common ground', texts: ['nothing here'] });
      await addConversation(store, ann, 'longer-word', { texts: ['commonplace only'] });
      // 1,051 documents have "common": the newest 1,000 are ranked (the oldest chat falls out of the window),
      // and "commonplace", newer than all of them, is not found: the word filled the window as typed.
      const page = await find(store, ann, 'common', 25);
      const found = page.items.map((item) => item.conversation_id);
      assert.equal(found[0], 'titled', 'the title match first');
      assert.ok(!found.includes('longer-word'), 'the last word is not expanded');
      assert.ok(!found.includes('chat-00'), 'older than the newest 1,000 matches');
      assert.deepEqual(found.slice(1), chats.slice(1).reverse(), 'then the newest first');
      // Paging walks the same order, every conversation once.
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const next = await find(store, ann, 'common', 6, cursor);
        paged.push(...next.items.map((item) => item.conversation_id));
        cursor = next.cursor ?? undefined;
      } while (cursor);
      assert.deepEqual(paged, found);
      // A rarer word is still a prefix: "commonp" finds "commonplace".
      assert.deepEqual(await ids(store, ann, 'commonp'), ['longer-word']);
    }));

  test(`${kind}: migration 006 indexes the rows already there`, async () => {
    const empty = await createEmptyTestDatabase(kind);
    try {
      const { db, dialect } = await openDatabase(empty.config);
      try {
        const before = migrations.findIndex((migration) => migration.name === '006-search');
        await runMigrations(db, dialect, () => {}, migrations.slice(0, before));
        await writeRowsBeforeSearch(db);
      } finally {
        await db.destroy();
      }
      const progress: string[] = [];
      const store = await openStore(empty.config, { onProgress: (line) => progress.push(line) });
      try {
        assert.ok(progress.includes('applying migration 006-search'), progress.join('\n'));
        assert.deepEqual(await ids(store, 'user-ann', 'kettle'), ['old-1']);
        assert.deepEqual(await ids(store, 'user-ann', 'teapot'), ['old-1']);
        assert.deepEqual(await ids(store, 'user-ann', 'hidden'), []);
      } finally {
        await store.close();
      }
    } finally {
      await empty.drop();
    }
  });
});

/** Rows written before migration 006 (raw inserts: the store of today may need later columns). */
async function writeRowsBeforeSearch(db: OpenedDatabase['db']): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: 'user-ann',
      email: 'ann@example.com',
      name: 'ann',
      password_hash: 'x',
      role: 'user',
      disabled: false,
      create_time: 1,
    } as never)
    .execute();
  const conversation = newConversation('user-ann', 'old-1', { title: 'Teapot stories' });
  await db
    .insertInto('conversations')
    .values({
      id: conversation.id,
      owner_id: conversation.ownerId,
      title: conversation.title,
      create_time: 1,
      update_time: 1,
      current_node: 'm1',
      root_id: 'old-1-root',
      is_archived: false,
      is_visible: true,
      is_temporary: false,
      default_model: null,
      timezone_offset_min: 0,
      conversation_mode: '{}',
      suggestions: '[]',
    } as never)
    .execute();
  const row = (id: string, parent: string | null, role: string, parts: string[], metadata = '{}') => ({
    conversation_id: 'old-1',
    owner_id: 'user-ann',
    id,
    parent_id: parent,
    role,
    author_name: null,
    content_type: 'text',
    parts: JSON.stringify(parts),
    status: 'finished_successfully',
    end_turn: null,
    weight: 1,
    metadata,
    recipient: 'all',
    model_slug: null,
    create_time: 1,
    update_time: 1,
  });
  await db
    .insertInto('messages')
    .values([
      row('old-1-root', null, 'root', ['']),
      row('sys', 'old-1-root', 'system', ['hidden words'], '{"is_visually_hidden_from_conversation":true}'),
      row('m1', 'sys', 'user', ['the kettle is on']),
    ] as never)
    .execute();
}
