/**
 * Import and export of ChatGPT exports on every database: both layouts, the round trip
 * import(export(x)) == x (mappings equal after key order), idempotency, ids of another owner, bad
 * conversations skipped whole with a reason naming file and record, feedback, and a fuzzed export that
 * never crashes the importer nor half-imports a conversation.
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { systemClock } from '../../src/clock.js';
import { ExportSourceError, openExportSource } from '../../src/conversation/history/export-source.js';
import { canonicalJson } from '../../src/conversation/history/exported-conversation.js';
import { exportHistory } from '../../src/conversation/history/history-exporter.js';
import { HistoryImporter, type ImportSummary } from '../../src/conversation/history/history-importer.js';
import { toWireConversation } from '../../src/conversation/wire-format.js';
import { randomIds } from '../../src/ids.js';
import type { Store, UserRecord } from '../../src/store/store.js';
import {
  conversationIdOf,
  conversationsJson,
  exportZipFiles,
  generatedConversation,
  writeExportFolder,
  writeExportZip,
  zipFiles,
} from '../helpers/chatgpt-export.js';
import { forEachDatabase } from '../helpers/databases.js';
import { newConversation, newUser, rootMessage, withDatabase } from '../store/store-fixtures.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backchat-history-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

async function importPath(store: Store, ownerId: string, path: string, label?: string): Promise<ImportSummary> {
  const source = await openExportSource(path, label);
  try {
    return await new HistoryImporter({ store, ids: randomIds, clock: systemClock }).importExport(ownerId, source);
  } finally {
    await source.close();
  }
}

/** The files of an export zip, by name. */
async function unzip(stream: Readable, name: string): Promise<Map<string, string>> {
  const path = join(dir, name);
  await pipeline(stream, createWriteStream(path));
  return zipFiles(path);
}

async function addUser(store: Store, name: string): Promise<UserRecord> {
  return store.createUser(newUser(name));
}

async function exportOf(store: Store, user: UserRecord, name: string): Promise<Map<string, string>> {
  return unzip(exportHistory(store, user, new Date(0)), name);
}

function byId(conversations: Json[]): Map<string, Json> {
  return new Map(conversations.map((conversation) => [conversation.id as string, conversation]));
}

/** What must survive the round trip, key order aside. */
function essence(conversation: Json): string {
  const { title, create_time, update_time, mapping, current_node, is_archived, gizmo_id, default_model_slug } =
    conversation;
  return canonicalJson({
    title,
    create_time,
    update_time,
    mapping,
    current_node,
    is_archived,
    gizmo_id,
    default_model_slug,
  });
}

const generated = (count: number, options = {}) =>
  Array.from({ length: count }, (_, n) => generatedConversation(n, { bigEvery: 10, ...options }));

forEachDatabase((kind) => {
  test(`${kind}: a split-layout zip imports every conversation and exports it back equal`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const zip = await writeExportZip(join(dir, `${kind}-split.zip`), {
        count: 25,
        perFile: 4,
        options: { bigEvery: 10 },
      });
      const summary = await importPath(store, ann.id, zip);
      assert.deepEqual(summary, {
        conversations: 25,
        imported: 25,
        already_present: 0,
        skipped: [],
        feedback_imported: 0,
      });
      const files = await exportOf(store, ann, `${kind}-export.zip`);
      assert.deepEqual([...files.keys()], exportZipFiles);
      const exported = byId(JSON.parse(files.get('conversations.json') ?? '') as Json[]);
      assert.equal(exported.size, 25);
      for (const original of generated(25)) {
        const back = exported.get(original.id as string);
        assert.ok(back, `conversation ${original.id} exported`);
        assert.equal(essence(back), essence(original), `conversation ${original.id}`);
        assert.equal(canonicalJson(back.mapping), canonicalJson(original.mapping));
      }
      assert.deepEqual(JSON.parse(files.get('user.json') ?? ''), {
        id: ann.id,
        email: ann.email,
        chatgpt_plus_user: false,
        phone_number: null,
      });
      assert.equal(files.get('model_comparisons.json'), '[]');
      assert.equal(files.get('shared_conversations.json'), '[]');
    }));

  test(`${kind}: content types other than text, tool authors and unknown keys come back verbatim from GET conversation`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const original = generatedConversation(0, { turns: 7, branchEvery: 100 });
      const path = join(dir, `${kind}-one.json`);
      await writeFile(path, conversationsJson([original]));
      assert.equal((await importPath(store, ann.id, path)).imported, 1);
      const conversation = await store.getConversation(ann.id, conversationIdOf(0));
      assert.ok(conversation);
      const wire = toWireConversation(
        conversation,
        await store.listMessages(ann.id, conversationIdOf(0)),
      ) as unknown as Json;
      const mapping = original.mapping as Record<string, { message: Json | null }>;
      const code = Object.values(mapping).find((node) => (node.message?.content as Json)?.content_type === 'code');
      assert.ok(code?.message, 'the fixture has a code message');
      const served = (wire.mapping as Record<string, { message: Json }>)[code.message.id as string]?.message;
      assert.deepEqual(served?.content, code.message.content);
      assert.deepEqual(served?.author, { role: 'tool', name: 'python', metadata: { source: 'sandbox' } });
      assert.equal(canonicalJson(wire.mapping), canonicalJson(original.mapping));
      assert.equal(wire.conversation_id, conversationIdOf(0));
      assert.equal(wire.default_model_slug, original.default_model_slug);
    }));

  test(`${kind}: importing twice adds nothing; a folder and a bare conversations.json work too`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await addUser(store, 'ann');
      const folder = await writeExportFolder(join(dir, `${kind}-folder`), { count: 12, options: { bigEvery: 10 } });
      assert.equal((await importPath(store, ann.id, folder)).imported, 12);
      const digest = await db.digest();
      const again = await importPath(store, ann.id, folder);
      assert.deepEqual(again, {
        conversations: 12,
        imported: 0,
        already_present: 12,
        skipped: [],
        feedback_imported: 0,
      });
      const bare = join(dir, `${kind}-bare.json`);
      await writeFile(bare, conversationsJson(generated(12)));
      assert.equal((await importPath(store, ann.id, bare)).already_present, 12);
      assert.equal(await db.digest(), digest, 'the database did not change');
    }));

  test(`${kind}: an id that belongs to another user gets a new one, and re-importing still finds it`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const bob = await addUser(store, 'bob');
      const zip = await writeExportZip(join(dir, `${kind}-shared-ids.zip`), { count: 6, options: { bigEvery: 10 } });
      await importPath(store, ann.id, zip);
      assert.equal((await importPath(store, bob.id, zip)).imported, 6);
      assert.equal((await importPath(store, bob.id, zip)).already_present, 6);
      const bobs = byId(
        JSON.parse((await exportOf(store, bob, `${kind}-bob.zip`)).get('conversations.json') ?? '') as Json[],
      );
      const anns = byId(
        JSON.parse((await exportOf(store, ann, `${kind}-ann.zip`)).get('conversations.json') ?? '') as Json[],
      );
      assert.equal(bobs.size, 6);
      for (const id of bobs.keys()) assert.ok(!anns.has(id), 'Bob never gets one of Ann’s ids');
      for (const original of generated(6)) {
        const mine = [...bobs.values()].find(
          (conversation) => conversation.title === original.title && conversation.create_time === original.create_time,
        );
        assert.ok(mine);
        assert.equal(canonicalJson(mine.mapping), canonicalJson(original.mapping));
      }
    }));

  test(`${kind}: an id the API cannot use gets a fresh UUID, and re-importing finds it by the exported id`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const path = join(dir, `${kind}-odd-id.json`);
      await writeFile(path, conversationsJson([{ ...generatedConversation(3), id: 'not-a-uuid' }]));
      assert.equal((await importPath(store, ann.id, path)).imported, 1);
      const id = (await store.findImportedConversations(ann.id, ['not-a-uuid'])).get('not-a-uuid');
      assert.match(id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal((await importPath(store, ann.id, path)).already_present, 1);
    }));

  test(`${kind}: bad conversations are skipped whole with a reason naming file and record; the rest import`, () =>
    withDatabase(kind, async (db) => {
      const { store } = db;
      const ann = await addUser(store, 'ann');
      const good = generated(4);
      const cycle = structuredClone(generatedConversation(10));
      const nodes = cycle.mapping as Record<string, Json>;
      const rootId = Object.keys(nodes)[0] as string;
      (nodes[rootId] as Json).parent = Object.keys(nodes).at(-1);
      const noMessage = structuredClone(generatedConversation(11));
      const last = Object.values(noMessage.mapping as Record<string, Json>).at(-1) as Json;
      last.message = null;
      const badCurrent = { ...generatedConversation(12), current_node: 'nowhere' };
      const nul = { ...generatedConversation(13), title: 'a\u0000b' };
      const path = join(dir, `${kind}-bad.json`);
      await writeFile(
        path,
        conversationsJson([good[0], cycle, good[1], noMessage, badCurrent, 'not an object', nul, good[2], good[3]]),
      );
      const summary = await importPath(store, ann.id, path, 'conversations.json');
      assert.equal(summary.conversations, 9);
      assert.equal(summary.imported, 4);
      assert.deepEqual(
        summary.skipped.map((skipped) => [skipped.id, skipped.reason.split(':')[0]]),
        [
          [conversationIdOf(10), 'conversations.json, record 2'],
          [conversationIdOf(11), 'conversations.json, record 4'],
          [conversationIdOf(12), 'conversations.json, record 5'],
          [null, 'conversations.json, record 6'],
          [conversationIdOf(13), 'conversations.json, record 7'],
        ],
      );
      assert.match(summary.skipped[0]?.reason ?? '', /root/);
      assert.match(summary.skipped[1]?.reason ?? '', /has no message/);
      assert.match(summary.skipped[2]?.reason ?? '', /current_node/);
      assert.match(summary.skipped[4]?.reason ?? '', /U\+0000/);
      for (const id of [conversationIdOf(10), conversationIdOf(11), conversationIdOf(12), conversationIdOf(13)]) {
        assert.equal(await store.getConversation(ann.id, id), undefined);
        assert.deepEqual(await store.listMessages(ann.id, id), []);
      }
    }));

  test(`${kind}: a file cut short keeps what came before and names the record; a non-export is refused`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const text = conversationsJson(generated(3));
      const cut = join(dir, `${kind}-cut.json`);
      await writeFile(cut, text.slice(0, text.length - 200));
      const summary = await importPath(store, ann.id, cut, 'conversations.json');
      assert.equal(summary.imported, 2);
      assert.match(
        summary.skipped.at(-1)?.reason ?? '',
        /^conversations\.json, record 3: the file ends inside the array/,
      );
      const junk = join(dir, `${kind}-junk.bin`);
      await writeFile(junk, 'hello, this is not an export');
      await assert.rejects(importPath(store, ann.id, junk, 'junk.bin'), (error: unknown) => {
        assert.ok(error instanceof ExportSourceError);
        assert.match(error.message, /^junk\.bin: conversations\.json, record 1: not a JSON array/);
        return true;
      });
      const emptyZip = await writeExportZip(join(dir, `${kind}-nothing.zip`), { count: 0 });
      assert.deepEqual((await importPath(store, ann.id, emptyZip)).conversations, 0);
    }));

  test(`${kind}: feedback imports where its message exists, once`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const original = generatedConversation(0, { turns: 2 });
      const answer = Object.keys(original.mapping as Json).at(-1) as string;
      const feedback = [
        {
          id: answer,
          conversation_id: conversationIdOf(0),
          user_id: 'user-x',
          rating: 'thumbsDown',
          create_time: '2023-12-05T10:00:00.123456+00:00',
          workspace_id: null,
          content: '{"text": "wrong", "tags": ["false"]}',
          storage_protocol: 'zstd::1.5.5',
        },
        {
          id: 'missing-message',
          conversation_id: conversationIdOf(0),
          rating: 'thumbsUp',
          create_time: '2023-12-05T10:00:00Z',
        },
        { id: answer, conversation_id: 'conv-elsewhere', rating: 'thumbsUp' },
      ];
      const zip = await writeExportZip(join(dir, `${kind}-feedback.zip`), {
        count: 1,
        feedback,
        options: { turns: 2 },
      });
      assert.equal((await importPath(store, ann.id, zip)).feedback_imported, 1);
      assert.equal((await importPath(store, ann.id, zip)).feedback_imported, 0);
      const stored = await store.listFeedback(ann.id);
      assert.deepEqual(
        stored.map((item) => [item.conversationId, item.messageId, item.rating, item.text, item.tags]),
        [[conversationIdOf(0), answer, 'thumbsDown', 'wrong', ['false']]],
      );
      const exported = JSON.parse(
        (await exportOf(store, ann, `${kind}-fb-export.zip`)).get('message_feedback.json') ?? '',
      );
      assert.equal(exported.length, 1);
      assert.equal(exported[0].message_id, answer);
      assert.equal(exported[0].rating, 'thumbsDown');
    }));

  test(`${kind}: export leaves out deleted and temporary conversations, keeps archived ones, and chat.html embeds safely`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      const path = join(dir, `${kind}-html.json`);
      await writeFile(path, conversationsJson(generated(4)));
      await importPath(store, ann.id, path);
      await store.updateConversation(ann.id, conversationIdOf(2), { isVisible: false });
      await store.createConversation(newConversation(ann.id, 'temp', { isTemporary: true }));
      await store.insertMessage(ann.id, rootMessage('temp'));
      const files = await exportOf(store, ann, `${kind}-html.zip`);
      const exported = JSON.parse(files.get('conversations.json') ?? '') as Json[];
      assert.deepEqual(exported.map((conversation) => conversation.id).sort(), [
        conversationIdOf(0),
        conversationIdOf(1),
        conversationIdOf(3),
      ]);
      assert.equal(exported.find((conversation) => conversation.id === conversationIdOf(1))?.is_archived, true);
      assert.deepEqual(JSON.parse(files.get('shared_conversations.json') ?? ''), []);
      await store.createShare({
        id: 'share-1',
        ownerId: ann.id,
        conversationId: conversationIdOf(0),
        title: 'Shared title',
        currentNode: exported[0]?.current_node as string,
        model: null,
        isPublic: true,
        isVisible: true,
        isAnonymous: false,
        highlightedMessageId: null,
        snapshot: [],
        createTime: 1_700_000_000,
        updateTime: 1_700_000_000,
      });
      const shares = JSON.parse(
        (await exportOf(store, ann, `${kind}-shares.zip`)).get('shared_conversations.json') ?? '',
      );
      assert.deepEqual(shares, [
        { id: 'share-1', conversation_id: conversationIdOf(0), title: 'Shared title', is_anonymous: false },
      ]);
      const html = files.get('chat.html') ?? '';
      assert.equal(html.split('</script>').length - 1, 2, 'only the page’s own script ends');
      assert.ok(html.includes('\\u003c/script>'), 'a message’s </script> is escaped');
      assert.ok(!html.includes('innerHTML'));
      const embedded = html.slice(
        html.indexOf('var jsonData = ') + 'var jsonData = '.length,
        html.indexOf('];\n</script>') + 1,
      );
      assert.deepEqual(JSON.parse(embedded), exported);
    }));

  test(`${kind}: a fuzzed export never crashes the importer and never half-imports a conversation`, () =>
    withDatabase(kind, async ({ store }) => {
      const ann = await addUser(store, 'ann');
      let file = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1000 }),
          fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })), { maxLength: 4 }),
          fc.nat(),
          async (n, mutations, cut) => {
            const conversation = generatedConversation(n, { turns: 3 }) as Json;
            conversation.id = `00000000-0000-4000-9000-${String(file).padStart(12, '0')}`;
            mutate(conversation, mutations);
            let text = conversationsJson([conversation, generatedConversation(n + 1)]);
            if (cut % 5 === 0) text = text.slice(0, cut % text.length);
            const path = join(dir, `${kind}-fuzz-${file++}.json`);
            await writeFile(path, text);
            try {
              await importPath(store, ann.id, path);
            } catch (error) {
              assert.ok(error instanceof ExportSourceError, `only a refused file may throw: ${error}`);
            }
            const stored = await store.getConversation(ann.id, conversation.id as string);
            const messages = await store.listMessages(ann.id, conversation.id as string);
            if (stored === undefined) assert.equal(messages.length, 0);
            else
              assert.equal(messages.length, Object.keys(conversation.mapping as Json).length, 'all of it or nothing');
          },
        ),
        { numRuns: kind === 'sqlite' ? 150 : 60 },
      );
    }));
});

/** Replaces values at pseudo-random paths of `value` with arbitrary JSON. */
function mutate(value: Json, mutations: [number, unknown][]): void {
  for (const [seed, replacement] of mutations) {
    let target: unknown = value;
    let step = seed;
    for (let depth = 0; depth < 6; depth++) {
      if (typeof target !== 'object' || target === null) break;
      const keys = Object.keys(target);
      if (keys.length === 0) break;
      const key = keys[step % keys.length] as string;
      step = Math.floor(step / 3) + depth;
      const child = (target as Json)[key];
      if (depth >= 1 && (typeof child !== 'object' || child === null || step % 4 === 0)) {
        (target as Json)[key] = replacement;
        break;
      }
      target = child;
    }
  }
}
