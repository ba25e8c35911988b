/**
 * Share links over real HTTP (docs/api.md, "Shares"): the snapshot is frozen when shared, public reads
 * need no sign-in and reveal nothing of the owner, links use the configured public URL whatever the
 * request's Host says, revoking is immediate, others' conversations and shares look missing, and
 * "continue" copies the snapshot into the reader's own history.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WireShare, WireSharedConversation } from '../../src/protocol/share-types.js';
import type { WireConversation } from '../../src/protocol/wire-types.js';
import { forEachDatabase } from '../helpers/databases.js';
import { rawHttp } from '../helpers/raw-http.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

const publicUrl = 'https://chat.example.org';
const appMarker = 'share-test-app-shell';

type SharedConversation = WireSharedConversation;
type ShareObject = WireShare;

/** A web root whose index.html the share pages must serve. */
function webRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'backchat-share-web-'));
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html><body><div id="${appMarker}"></div></body></html>`);
  return dir;
}

/** The user/assistant texts of a shared conversation, in order. */
function texts(shared: SharedConversation): string[] {
  return shared.linear_conversation.flatMap((node) =>
    node.message && ['user', 'assistant'].includes(node.message.author.role)
      ? [String(node.message.content.parts[0])]
      : [],
  );
}

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(kind, { config: { publicUrl, webRoot: webRoot() } });
  });
  after(() => server.close());

  /** One turn: a user message `text` (with a known id) under `parentId`; returns both ids. */
  async function turn(as: TestUser, conversationId: string | undefined, parentId: string, text: string) {
    const userId = crypto.randomUUID();
    const result = await sendTurn(server, as, {
      action: 'next',
      model: 'demo',
      parent_message_id: parentId,
      ...(conversationId && { conversation_id: conversationId }),
      messages: [userMessage(text, userId)],
    });
    return { conversationId: result.conversationId, userId, answerId: result.final.id };
  }

  async function call<T>(method: string, path: string, as: TestUser | undefined, json?: unknown) {
    const response = await server.request(path, { method, ...(as && { as }), ...(json !== undefined && { json }) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, text };
  }

  /** A conversation of Alice's: first turn, then a second one; shared at the second answer. */
  async function sharedConversation(as = server.alice, isAnonymous = true) {
    const first = await turn(as, undefined, crypto.randomUUID(), 'First question');
    const second = await turn(as, first.conversationId, first.answerId, 'Second question');
    const created = await call<ShareObject>('POST', '/backend-api/share/create', as, {
      conversation_id: first.conversationId,
      current_node_id: second.answerId,
      is_anonymous: isAnonymous,
    });
    assert.equal(created.status, 200, created.text);
    return { first, second, share: created.body };
  }

  async function makePublic(shareId: string, as = server.alice) {
    const patched = await call<ShareObject>('PATCH', `/backend-api/share/${shareId}`, as, {
      share_id: shareId,
      is_public: true,
    });
    assert.equal(patched.status, 200, patched.text);
    return patched.body;
  }

  test(`${kind}: create, make public, read signed out: the frozen branch, nothing added later`, async () => {
    const { first, second, share } = await sharedConversation();
    assert.match(share.share_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      { ...share, share_id: '' },
      {
        share_id: '',
        share_url: `${publicUrl}/share/${share.share_id}`,
        title: share.title,
        is_public: false,
        is_visible: true,
        is_anonymous: true,
        highlighted_message_id: null,
        current_node_id: second.answerId,
        already_exists: false,
        moderation_state: {
          has_been_moderated: false,
          has_been_blocked: false,
          has_been_accepted: false,
          has_been_auto_blocked: false,
          has_been_auto_moderated: false,
        },
      },
    );
    // Not public yet: signed out it is not found; its owner reads it.
    assert.equal((await call('GET', `/backend-api/share/${share.share_id}`, undefined)).status, 404);
    assert.equal((await call('GET', `/backend-api/share/${share.share_id}`, server.alice)).status, 200);
    const patched = await makePublic(share.share_id);
    assert.equal(patched.is_public, true);
    assert.equal(patched.share_url, share.share_url);

    // After sharing: a third turn, and a switch to another branch (an edit of the second question).
    await turn(server.alice, first.conversationId, second.answerId, 'Third question, after sharing');
    const edit = await turn(server.alice, first.conversationId, first.answerId, 'Edited second question');
    const conversation = await call<{ current_node: string }>(
      'GET',
      `/backend-api/conversation/${first.conversationId}`,
      server.alice,
    );
    assert.equal(conversation.body.current_node, edit.answerId);

    for (const prefix of ['/backend-api', '/api']) {
      const read = await call<SharedConversation>('GET', `${prefix}/share/${share.share_id}`, undefined);
      assert.equal(read.status, 200, read.text);
      const shared = read.body;
      assert.deepEqual(
        texts(shared).filter((_, index) => index % 2 === 0),
        ['First question', 'Second question'],
      );
      assert.equal(texts(shared).length, 4);
      assert.equal(shared.current_node, second.answerId);
      assert.equal(shared.conversation_id, share.share_id);
      assert.equal(shared.continue_conversation_url, `${publicUrl}/share/${share.share_id}/continue`);
      assert.equal(shared.author_name, null);
      assert.deepEqual(
        shared.linear_conversation.map((node) => node.id),
        Object.keys(shared.mapping),
      );
      assert.ok(!read.text.includes('after sharing') && !read.text.includes('Edited'), 'later messages leaked');
      for (const secret of [server.alice.email, server.alice.id, first.conversationId]) {
        assert.ok(!read.text.includes(secret), `the public read reveals ${secret}`);
      }
    }
  });

  test(`${kind}: share_url comes from the configured public URL, whatever Host and X-Forwarded-* say`, async () => {
    const first = await turn(server.alice, undefined, crypto.randomUUID(), 'Host header test');
    const body = JSON.stringify({ conversation_id: first.conversationId, current_node_id: first.answerId });
    const response = await rawHttp(server.url, {
      method: 'POST',
      path: '/backend-api/share/create',
      headers: {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
        authorization: `Bearer ${server.alice.token}`,
        'content-type': 'application/json',
      },
      body,
    });
    assert.equal(response.status, 200, response.body);
    const share = JSON.parse(response.body) as ShareObject;
    assert.equal(share.share_url, `${publicUrl}/share/${share.share_id}`);
    await makePublic(share.share_id);
    const read = await rawHttp(server.url, {
      method: 'GET',
      path: `/backend-api/share/${share.share_id}`,
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    });
    assert.equal(read.status, 200);
    assert.ok(!read.body.includes('evil.example'));
    assert.equal(
      (JSON.parse(read.body) as SharedConversation).continue_conversation_url,
      `${publicUrl}/share/${share.share_id}/continue`,
    );
  });

  test(`${kind}: not anonymous: the owner's display name, never the email or ids`, async () => {
    const { share } = await sharedConversation(server.alice, false);
    await makePublic(share.share_id);
    const read = await call<SharedConversation>('GET', `/backend-api/share/${share.share_id}`, undefined);
    assert.equal(read.body.author_name, 'alice');
    assert.ok(!read.text.includes(server.alice.email) && !read.text.includes(server.alice.id));
  });

  test(`${kind}: the pages serve the app with its CSP; 404 at once after revoking`, async () => {
    const { share } = await sharedConversation();
    const page = (path: string) => fetch(`${server.url}${path}`);
    let response = await page(`/share/${share.share_id}`);
    assert.equal(response.status, 404, 'not public yet');
    assert.ok((await response.text()).includes(appMarker), 'the 404 page is still the app');
    await makePublic(share.share_id);
    for (const path of [`/share/${share.share_id}`, `/share/${share.share_id}/continue`]) {
      response = await page(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.ok((await response.text()).includes(appMarker));
    }
    const deleted = await call('DELETE', `/backend-api/share/${share.share_id}`, server.alice);
    assert.deepEqual([deleted.status, deleted.body], [200, { success: true }]);
    assert.equal((await page(`/share/${share.share_id}`)).status, 404);
    assert.equal((await page(`/share/${share.share_id}/continue`)).status, 404);
    const gone = await call<{ detail: unknown }>('GET', `/backend-api/share/${share.share_id}`, undefined);
    assert.equal(gone.status, 404);
    assert.ok(gone.body.detail);
    assert.equal((await call('GET', `/backend-api/share/${share.share_id}`, server.alice)).status, 404);
    assert.equal((await page('/share/not-a-share')).status, 404);
    assert.equal((await page(`/share/${crypto.randomUUID()}`)).status, 404);
  });

  test(`${kind}: unpublishing, hiding the share, or deleting the conversation makes it 404`, async () => {
    const { first, share } = await sharedConversation();
    await makePublic(share.share_id);
    const path = `/backend-api/share/${share.share_id}`;
    await call('PATCH', path, server.alice, { is_visible: false });
    assert.equal((await call('GET', path, undefined)).status, 404);
    await call('PATCH', path, server.alice, { is_visible: true });
    assert.equal((await call('GET', path, undefined)).status, 200);
    await call('DELETE', `/backend-api/conversation/${first.conversationId}`, server.alice);
    assert.equal((await call('GET', path, undefined)).status, 404);
    const list = await call<{ items: unknown[] }>('GET', '/backend-api/shared_conversations', server.alice);
    assert.ok(!list.text.includes(share.share_id));
  });

  test(`${kind}: others' conversations and shares look missing, and nothing changes`, async () => {
    const { first, second, share } = await sharedConversation();
    const before = await server.db.digest();
    const bob = server.bob;
    const attempts = [
      call('POST', '/backend-api/share/create', bob, {
        conversation_id: first.conversationId,
        current_node_id: second.answerId,
        is_anonymous: true,
      }),
      call('PATCH', `/backend-api/share/${share.share_id}`, bob, { is_public: true }),
      call('DELETE', `/backend-api/share/${share.share_id}`, bob),
      call('DELETE', `/backend-api/${share.share_id}`, bob),
      call('GET', `/backend-api/share/${share.share_id}`, bob),
      call('POST', `/backend-api/share/${share.share_id}/continue`, bob),
    ];
    for (const attempt of await Promise.all(attempts)) {
      assert.equal(attempt.status, 404, attempt.text);
      assert.ok(!attempt.text.includes('First question'));
    }
    const bobList = await call<{ items: unknown[]; total: number }>('GET', '/backend-api/shared_conversations', bob);
    assert.deepEqual([bobList.body.items, bobList.body.total], [[], 0]);
    assert.equal(await server.db.digest(), before);
    // A node of another conversation of the caller's own is not part of this one.
    const other = await turn(server.alice, undefined, crypto.randomUUID(), 'Another conversation');
    const crossed = await call('POST', '/backend-api/share/create', server.alice, {
      conversation_id: first.conversationId,
      current_node_id: other.answerId,
    });
    assert.equal(crossed.status, 404);
  });

  test(`${kind}: sharing again returns the same share with a refreshed snapshot`, async () => {
    const { first, share } = await sharedConversation();
    await makePublic(share.share_id);
    const edit = await turn(server.alice, first.conversationId, first.answerId, 'A different second question');
    const again = await call<ShareObject>('POST', '/backend-api/share/create', server.alice, {
      conversation_id: first.conversationId,
      current_node_id: edit.answerId,
      is_anonymous: true,
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.share_id, share.share_id);
    assert.equal(again.body.already_exists, true);
    assert.equal(again.body.current_node_id, edit.answerId);
    assert.equal(again.body.is_public, true);
    const read = await call<SharedConversation>('GET', `/backend-api/share/${share.share_id}`, undefined);
    assert.deepEqual(
      texts(read.body).filter((_, index) => index % 2 === 0),
      ['First question', 'A different second question'],
    );
  });

  test(`${kind}: shared_conversations lists the caller's shares, newest first`, async () => {
    const one = await sharedConversation();
    const two = await sharedConversation();
    const list = await call<{ items: Array<Record<string, unknown>>; total: number; limit: number; offset: number }>(
      'GET',
      '/backend-api/shared_conversations?order=created&offset=0&limit=2',
      server.alice,
    );
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.items.map((item) => item.id),
      [two.share.share_id, one.share.share_id],
    );
    assert.deepEqual(Object.keys(list.body.items[0] ?? {}), [
      'id',
      'conversation_id',
      'title',
      'create_time',
      'update_time',
      'is_public',
      'is_anonymous',
      'current_node',
      'mapping',
      'conversation_template_id',
      'gizmo_id',
      'is_archived',
      'workspace_id',
    ]);
    assert.equal(list.body.items[0]?.conversation_id, two.first.conversationId);
    assert.match(String(list.body.items[0]?.create_time), /^\d{4}-\d\d-\d\dT.*\+00:00$/);
    assert.ok(list.body.total >= 2);
    assert.deepEqual([list.body.limit, list.body.offset], [2, 0]);
  });

  test(`${kind}: continue copies the snapshot into the reader's history with new ids`, async () => {
    const { first, share } = await sharedConversation();
    assert.equal((await call('POST', `/backend-api/share/${share.share_id}/continue`, server.bob)).status, 404);
    await makePublic(share.share_id);
    const continued = await call<{ conversation_id: string }>(
      'POST',
      `/backend-api/share/${share.share_id}/continue`,
      server.bob,
    );
    assert.equal(continued.status, 200, continued.text);
    const copy = await call<WireConversation>(
      'GET',
      `/backend-api/conversation/${continued.body.conversation_id}`,
      server.bob,
    );
    assert.equal(copy.status, 200);
    const original = await call<SharedConversation>('GET', `/backend-api/share/${share.share_id}`, undefined);
    assert.equal(copy.body.title, original.body.title);
    const copiedIds = Object.keys(copy.body.mapping);
    assert.equal(copiedIds.length, Object.keys(original.body.mapping).length);
    assert.ok(
      copiedIds.every((id) => !(id in original.body.mapping)),
      'the copy has new ids',
    );
    for (const node of Object.values(copy.body.mapping)) {
      const turnParent = node.message?.metadata?.parent_id;
      if (turnParent !== undefined) assert.ok(String(turnParent) in copy.body.mapping, 'metadata.parent_id follows');
    }
    const leaf = copy.body.mapping[copy.body.current_node];
    assert.deepEqual([leaf?.children, leaf?.message?.author.role], [[], 'assistant']);
    const bobList = await call<{ items: Array<{ id: string }> }>('GET', '/backend-api/conversations', server.bob);
    assert.ok(bobList.body.items.some((item) => item.id === continued.body.conversation_id));
    // Bob can go on from the copied leaf; Alice's conversation is untouched.
    await turn(server.bob, continued.body.conversation_id, copy.body.current_node, 'Bob goes on');
    const alice = await call('GET', `/backend-api/conversation/${first.conversationId}`, server.alice);
    assert.ok(!alice.text.includes('Bob goes on'));
    assert.equal((await call('POST', `/backend-api/share/${share.share_id}/continue`, undefined)).status, 401);
  });

  test(`${kind}: bad bodies and queries are 400 {"detail"} and change nothing`, async () => {
    const { first, second, share } = await sharedConversation();
    const before = await server.db.digest();
    const path = `/backend-api/share/${share.share_id}`;
    const bad: Array<[string, string, unknown]> = [
      ['POST', '/backend-api/share/create', {}],
      ['POST', '/backend-api/share/create', { conversation_id: first.conversationId }],
      ['POST', '/backend-api/share/create', { conversation_id: 'nope', current_node_id: second.answerId }],
      [
        'POST',
        '/backend-api/share/create',
        { conversation_id: first.conversationId, current_node_id: second.answerId, is_anonymous: 'yes' },
      ],
      ['POST', '/backend-api/share/create', [1, 2]],
      ['PATCH', path, { is_public: 'true' }],
      ['PATCH', path, { title: '' }],
      ['PATCH', path, { title: 'x'.repeat(201) }],
      ['PATCH', path, { share_id: crypto.randomUUID(), is_public: true }],
      ['PATCH', path, { highlighted_message_id: crypto.randomUUID() }],
      ['PATCH', '/backend-api/share/not-a-uuid', { is_public: true }],
      ['GET', '/backend-api/shared_conversations?limit=0', undefined],
      ['GET', '/backend-api/shared_conversations?order=updated', undefined],
    ];
    for (const [method, url, body] of bad) {
      const answer = await call<{ detail: unknown }>(method, url, server.alice, body);
      assert.equal(answer.status, 400, `${method} ${url} ${JSON.stringify(body)}: ${answer.text}`);
      assert.equal(typeof answer.body.detail, 'string', answer.text);
    }
    assert.equal(await server.db.digest(), before);
  });

  test(`${kind}: DELETE /backend-api/{share_id} (a known client's path) deletes the caller's share`, async () => {
    const { share } = await sharedConversation();
    await makePublic(share.share_id);
    const deleted = await call('DELETE', `/backend-api/${share.share_id}`, server.alice);
    assert.deepEqual([deleted.status, deleted.body], [200, { success: true }]);
    assert.equal((await call('GET', `/backend-api/share/${share.share_id}`, undefined)).status, 404);
    assert.equal((await call('DELETE', `/backend-api/${share.share_id}`, server.alice)).status, 404);
    assert.equal((await call('DELETE', '/backend-api/not-a-share', server.alice)).status, 404);
  });
});
