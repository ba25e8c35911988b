/**
 * The windowed `GET conversation/{id}?tail=N` (a backchat extension, docs/api.md) over real HTTP on
 * every database: each window's nodes are byte for byte the full GET's nodes of the same branch, the
 * other fields are the full GET's, paging with the cursor walks the branch to the root exactly once,
 * `anchor` shows a sibling's branch, bad parameters are 400s and another user's conversation is the
 * same 404 as a missing one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { MessageRecord } from '../../src/store/store.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { message, newConversation, rootMessage } from '../store/store-fixtures.js';

interface Node {
  id: string;
  parent: string | null;
  children: string[];
}
interface Conversation {
  mapping: Record<string, Node>;
  current_node: string;
  window?: { first_node: string | null; last_node: string | null; has_more: boolean; cursor: string | null };
}

/** A 300-message main branch with side branches: a sibling (with a subtree of its own) every 37 messages. */
async function seedBranchy(server: TestServer): Promise<{ id: string; siblings: string[] }> {
  const { store } = server.deps;
  const owner = server.alice.id;
  const id = randomUUID();
  await store.createConversation(newConversation(owner, id, { title: 'Windowed — ünïcode 😀' }));
  const records: MessageRecord[] = [rootMessage(id)];
  const siblings: string[] = [];
  let parent = `${id}-root`;
  for (let index = 0; index < 300; index++) {
    const role = index % 2 ? 'assistant' : 'user';
    const record = message(id, randomUUID(), parent, { role, parts: [`message ${index} “q” \u2028`] });
    records.push(record);
    if (index % 37 === 10) {
      // A sibling of this message with two generations below it, added before the main line goes on.
      const sibling = message(id, randomUUID(), parent, { role, parts: [`sibling of ${index}`] });
      const child = message(id, randomUUID(), sibling.id, { role: role === 'user' ? 'assistant' : 'user' });
      const grandchild = message(id, randomUUID(), child.id, { role });
      records.push(sibling, child, grandchild);
      siblings.push(sibling.id);
    }
    parent = record.id;
  }
  for (let start = 0; start < records.length; start += 200) {
    assert.equal(await store.insertMessages(owner, records.slice(start, start + 200)), true);
  }
  await store.updateConversation(owner, id, { currentNode: parent, updateTime: 1_700_000_300 });
  return { id, siblings };
}

/** Node ids root → `leaf` in the full mapping. */
function branchTo(full: Conversation, leaf: string): string[] {
  const path: string[] = [];
  for (
    let node: Node | undefined = full.mapping[leaf];
    node;
    node = node.parent ? full.mapping[node.parent] : undefined
  ) {
    path.push(node.id);
  }
  return path.reverse();
}

/** The leaf reached by following the last child from `id`. */
function newestLeafOf(full: Conversation, id: string): string {
  let current = id;
  for (let next = full.mapping[current]?.children.at(-1); next; next = full.mapping[current]?.children.at(-1)) {
    current = next;
  }
  return current;
}

/** Asserts every node of the window's mapping is byte for byte the full GET's node. */
function assertSameNodes(windowText: string, fullText: string): void {
  const window = JSON.parse(windowText) as Conversation;
  const full = JSON.parse(fullText) as Conversation;
  for (const [id, node] of Object.entries(window.mapping)) {
    assert.equal(JSON.stringify(node), JSON.stringify(full.mapping[id]), `node ${id}`);
  }
}

forEachDatabase((kind) => {
  let server: TestServer;
  let fixture: { id: string; siblings: string[] };
  let fullText: string;
  let full: Conversation;
  const get = (query = '', as = server?.alice) =>
    server.request(`/backend-api/conversation/${fixture.id}${query}`, { as });

  before(async () => {
    server = await startTestServer(kind);
    fixture = await seedBranchy(server);
    fullText = await (await get()).text();
    full = JSON.parse(fullText) as Conversation;
  });
  after(() => server.close());

  test(`${kind}: a window is the last N nodes of the current branch, each as in the full GET`, async () => {
    const response = await get('?tail=50');
    assert.equal(response.status, 200);
    const text = await response.text();
    const window = JSON.parse(text) as Conversation;
    const branch = branchTo(full, full.current_node);
    assert.deepEqual(Object.keys(window.mapping), branch.slice(-50));
    assertSameNodes(text, fullText);
    // The nodes' children name nodes outside the window too (the siblings' subtrees).
    assert.ok(Object.values(window.mapping).every((node) => node.children.length <= 2));
    // Every other field, and their order, is the full GET's; `window` comes last.
    const { mapping: _m, window: meta, ...rest } = window;
    const { mapping: _f, ...fullRest } = full;
    assert.deepEqual(Object.keys(window), [...Object.keys(full), 'window']);
    assert.deepEqual(rest, fullRest);
    assert.deepEqual(
      { ...meta, cursor: typeof meta?.cursor },
      {
        first_node: branch.at(-50),
        last_node: full.current_node,
        has_more: true,
        cursor: 'string',
      },
    );
  });

  test(`${kind}: paging with the cursor walks the branch to the root exactly once`, async () => {
    const seen: string[] = [];
    let query = '?tail=64';
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 10, 'the paging ends');
      const response = await get(query);
      assert.equal(response.status, 200);
      const text = await response.text();
      assertSameNodes(text, fullText);
      const page = JSON.parse(text) as Conversation;
      seen.unshift(...Object.keys(page.mapping));
      if (!page.window?.has_more) {
        assert.equal(page.window?.cursor, null);
        break;
      }
      query = `?tail=64&before=${page.window.cursor}`;
    }
    assert.deepEqual(seen, branchTo(full, full.current_node));
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(full.mapping[seen[0] ?? '']?.parent, null, 'the last page holds the root');
  });

  test(`${kind}: anchor on a sibling gives the branch through it, to its newest leaf`, async () => {
    for (const sibling of [fixture.siblings[0], fixture.siblings.at(-1)]) {
      assert.ok(sibling);
      const text = await (await get(`?tail=10&anchor=${sibling}`)).text();
      const window = JSON.parse(text) as Conversation;
      const leaf = newestLeafOf(full, sibling);
      assert.notEqual(leaf, sibling);
      assert.deepEqual(Object.keys(window.mapping), branchTo(full, leaf).slice(-10));
      assert.ok(sibling in window.mapping);
      assert.equal(window.window?.last_node, leaf);
      assert.equal(window.current_node, full.current_node, 'the current node is not changed by reading');
      assertSameNodes(text, fullText);
    }
    // From the root: the newest child at each step (here the first sibling, added after its brother).
    const rootId = `${fixture.id}-root`;
    const whole = JSON.parse(await (await get(`?tail=500&anchor=${rootId}`)).text()) as Conversation;
    const leaf = newestLeafOf(full, rootId);
    assert.deepEqual(Object.keys(whole.mapping), branchTo(full, leaf));
    assert.deepEqual(whole.window, { first_node: rootId, last_node: leaf, has_more: false, cursor: null });
  });

  test(`${kind}: bad window parameters are 400s with a detail, unknown nodes 404s`, async () => {
    for (const query of [
      '?tail=0',
      '?tail=501',
      '?tail=abc',
      '?tail=1.5',
      '?tail=',
      '?anchor=x',
      '?before=x',
      '?tail[]=3',
      '?tail=5&before=not*a*cursor',
      `?tail=5&before=${Buffer.from('other').toString('base64url')}`,
      `?tail=5&anchor=${fixture.siblings[0]}&before=${Buffer.from(`w1:${fixture.siblings[0]}`).toString('base64url')}`,
    ]) {
      const response = await get(query);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { detail?: unknown };
      assert.equal(typeof body.detail, 'string', query);
    }
    for (const query of ['?tail=5&anchor=nope', `?tail=5&before=${Buffer.from('w1:nope').toString('base64url')}`]) {
      const response = await get(query);
      assert.equal(response.status, 404, query);
      assert.equal(typeof ((await response.json()) as { detail?: unknown }).detail, 'string');
    }
  });

  test(`${kind}: another user's conversation is the same 404 as a missing one`, async () => {
    const foreign = await get(`?tail=5&anchor=${fixture.siblings[0]}`, server.bob);
    const missing = await server.request(`/backend-api/conversation/${randomUUID()}?tail=5`, { as: server.bob });
    assert.equal(foreign.status, 404);
    assert.equal(await foreign.text(), await missing.text());
  });

  test(`${kind}: the full GET is unchanged by the extension`, async () => {
    assert.equal(await (await get()).text(), fullText);
    assert.equal((JSON.parse(fullText) as Conversation).window, undefined);
  });
});
