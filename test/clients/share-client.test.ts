/**
 * A third-party client's share call against a real backchat (docs/api.md, "Shares"). No installed
 * client library shares, so this replays exactly the requests revChatGPT's `share_conversation` makes —
 * `POST share/create {conversation_id, current_node_id, is_anonymous}`, then `PATCH share/{share_id}`
 * with `is_public: true` and its other fields, with its headers — on a conversation made by the npm
 * `chatgpt` client, and opens the returned `share_url` signed out.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ChatGPTUnofficialProxyAPI } from 'chatgpt';
import { withTimeout } from '../helpers/bounded.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const appMarker = 'share-client-app-shell';

/** revChatGPT's session headers, with the ones `share_conversation` adds (its referer replaces the session's). */
function revChatGptHeaders(token: string, conversationId: string): Record<string, string> {
  return {
    Accept: 'text/event-stream',
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json',
    'X-Openai-Assistant-App-Id': '',
    'Accept-Language': 'en-US,en;q=0.9',
    origin: 'https://chat.openai.com',
    referer: `https://chat.openai.com/c/${conversationId}`,
  };
}

/** revChatGPT's `share_conversation(convo_id, node_id)`: returns the `share_url` it gets. */
async function shareConversation(baseUrl: string, token: string, convoId: string, nodeId: string): Promise<string> {
  const headers = revChatGptHeaders(token, convoId);
  const created = await fetch(`${baseUrl}share/create`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ conversation_id: convoId, current_node_id: nodeId, is_anonymous: true }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  const share = (await created.json()) as { share_url: string; share_id: string; title?: string };
  const patched = await fetch(`${baseUrl}share/${share.share_id}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({
      share_id: share.share_id,
      highlighted_message_id: nodeId,
      title: share.title ?? 'New chat',
      is_public: true,
      is_visible: true,
      is_anonymous: true,
    }),
  });
  assert.equal(patched.status, 200, await patched.clone().text());
  return share.share_url;
}

forEachDatabase((kind) => {
  let server: TestServer;
  before(async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'backchat-share-client-'));
    writeFileSync(join(webRoot, 'index.html'), `<!doctype html><div id="${appMarker}"></div>`);
    // No public URL configured: links use the listen address.
    server = await startTestServer(kind, { config: { webRoot } });
  });
  after(() => server.close());

  test(`${kind}: revChatGPT's share_conversation on a chatgpt@5 conversation; the link opens signed out`, async () => {
    const api = new ChatGPTUnofficialProxyAPI({
      accessToken: server.alice.token,
      apiReverseProxyUrl: `${server.url}/backend-api/conversation`,
    });
    const reply = await withTimeout(api.sendMessage('Share this, please'), 20_000, 'turn');
    assert.ok(reply.conversationId);
    const shareUrl = await shareConversation(
      `${server.url}/backend-api/`,
      server.alice.token,
      reply.conversationId,
      reply.id,
    );
    assert.match(shareUrl, new RegExp(`^${server.url}/share/[0-9a-f-]{36}$`));
    // Signed out: the page is the app, and the API read is the snapshot up to the shared answer.
    const page = await fetch(shareUrl);
    assert.equal(page.status, 200);
    assert.ok((await page.text()).includes(appMarker));
    const shareId = shareUrl.split('/').at(-1) ?? '';
    const read = await fetch(`${server.url}/backend-api/share/${shareId}`);
    assert.equal(read.status, 200);
    const shared = (await read.json()) as {
      current_node: string;
      highlighted_message_id: string | null;
      linear_conversation: Array<{ message: { content: { parts: string[] } } | null }>;
    };
    assert.equal(shared.current_node, reply.id);
    assert.equal(shared.highlighted_message_id, reply.id);
    const parts = shared.linear_conversation.flatMap((node) => node.message?.content.parts ?? []);
    assert.ok(parts.includes('Share this, please'));
    assert.ok(parts.includes(reply.text));
  });
});
