/**
 * The two npm ChatGPT clients, unmodified, against a real backchat on loopback (docs/api.md):
 * `chatgpt@5.2.5`'s ChatGPTUnofficialProxyAPI and `@waylaidwanderer/chatgpt-api@1.37.3`'s
 * ChatGPTBrowserClient, on SQLite and PostgreSQL, answered by the demo model.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import ChatGPTBrowserClient, {
  type BrowserClientReply,
} from '@waylaidwanderer/chatgpt-api/src/ChatGPTBrowserClient.js';
import { ChatGPTError, ChatGPTUnofficialProxyAPI, type ChatMessage } from 'chatgpt';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';

/** What npm-chatgpt itself accepts as a UUID (src/utils.ts); backchat mints v4. */
const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const clientCallMs = 20_000;

interface MappingNode {
  id: string;
  message: null | { id: string; author: { role: string }; content: { parts: string[] } };
  parent: string | null;
  children: string[];
}

interface ConversationDetail {
  title: string;
  current_node: string;
  mapping: Record<string, MappingNode>;
}

interface ConversationList {
  items: Array<{ id: string; title: string }>;
}

async function getConversation(server: TestServer, as: TestUser, id: string): Promise<ConversationDetail> {
  const response = await server.request(`/backend-api/conversation/${id}`, { as });
  assert.equal(response.status, 200, `GET conversation ${id}: ${response.status}`);
  return (await response.json()) as ConversationDetail;
}

function node(detail: ConversationDetail, id: string): MappingNode {
  const found = detail.mapping[id];
  assert.ok(found, `mapping has no node ${id}`);
  return found;
}

/** The user/assistant messages from the root to `leaf`, in order. */
function chatPath(detail: ConversationDetail, leaf: string): MappingNode[] {
  const path: MappingNode[] = [];
  for (let current: string | null = leaf; current !== null; current = node(detail, current).parent) {
    path.unshift(node(detail, current));
    assert.ok(path.length <= Object.keys(detail.mapping).length, 'cycle in the mapping');
  }
  return path.filter((entry) => entry.message?.author.role === 'user' || entry.message?.author.role === 'assistant');
}

/**
 * Asserts the conversation is one linear branch ending at `leaf` whose user/assistant messages
 * alternate and carry `userTexts`, and that the mapping holds nothing else but root and system nodes.
 */
function assertLinearBranch(detail: ConversationDetail, leaf: string, userTexts: string[]): MappingNode[] {
  assert.equal(detail.current_node, leaf);
  const path = chatPath(detail, leaf);
  assert.deepEqual(
    path.map((entry) => entry.message?.author.role),
    userTexts.flatMap(() => ['user', 'assistant']),
  );
  assert.deepEqual(
    path.filter((entry) => entry.message?.author.role === 'user').map((entry) => entry.message?.content.parts[0]),
    userTexts,
  );
  for (const entry of Object.values(detail.mapping)) assert.ok(entry.children.length <= 1, `node ${entry.id} branches`);
  const extra = Object.values(detail.mapping).filter(
    (entry) => entry.message !== null && entry.message.author.role !== 'system',
  );
  assert.equal(extra.length, userTexts.length * 2, 'only the branch’s messages are in the mapping');
  assert.deepEqual(node(detail, leaf).children, []);
  return path;
}

/** Records each onProgress text; the chatgpt client passes the same mutated object every time. */
function progressRecorder(): { texts: string[]; onProgress: (partial: ChatMessage) => void } {
  const texts: string[] = [];
  return { texts, onProgress: (partial) => texts.push(partial.text) };
}

function assertGrowing(texts: string[], final: string): void {
  assert.ok(texts.length >= 2, `onProgress was called ${texts.length} time(s)`);
  for (let index = 1; index < texts.length; index++) {
    const previous = texts[index - 1] ?? '';
    assert.ok(texts[index]?.startsWith(previous), `progress ${index} does not extend the previous text`);
  }
  assert.equal(texts.at(-1), final);
}

function proxyClient(server: TestServer, path: '/api/conversation' | '/backend-api/conversation', token?: string) {
  return new ChatGPTUnofficialProxyAPI({
    accessToken: token ?? server.alice.token,
    apiReverseProxyUrl: `${server.url}${path}`,
  });
}

function browserClient(server: TestServer, token?: string): ChatGPTBrowserClient {
  return new ChatGPTBrowserClient(
    // cookies: undefined makes the client send the header `Cookie: undefined`, which must do no harm.
    { accessToken: token ?? server.alice.token, reverseProxyUrl: `${server.url}/api/conversation`, cookies: undefined },
    // keyv with an explicit Map store: nothing is written to disk.
    { store: new Map() },
  );
}

forEachDatabase((kind) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(kind);
  });
  after(async () => {
    await server?.close();
  });

  test(`${kind}: chatgpt ChatGPTUnofficialProxyAPI holds a three-turn conversation on /api/conversation`, async () => {
    const api = proxyClient(server, '/api/conversation');
    const prompts = ['What is the capital of France?', 'And of Italy?', 'Which one is bigger?'];
    const first = progressRecorder();
    const res1 = await withTimeout(
      api.sendMessage(prompts[0] ?? '', { onProgress: first.onProgress }),
      clientCallMs,
      'turn 1',
    );
    assert.ok(res1.text.length > 0, 'turn 1 has text');
    assert.match(res1.id, uuidV4);
    assert.match(res1.conversationId ?? '', uuidV4);
    assert.equal(res1.role, 'assistant');
    assertGrowing(first.texts, res1.text);

    const conversationId = res1.conversationId ?? '';
    const res2 = await withTimeout(
      api.sendMessage(prompts[1] ?? '', { conversationId, parentMessageId: res1.id }),
      clientCallMs,
      'turn 2',
    );
    const third = progressRecorder();
    const res3 = await withTimeout(
      api.sendMessage(prompts[2] ?? '', { conversationId, parentMessageId: res2.id, onProgress: third.onProgress }),
      clientCallMs,
      'turn 3',
    );
    for (const res of [res2, res3]) {
      assert.equal(res.conversationId, conversationId);
      assert.match(res.id, uuidV4);
      assert.ok(res.text.length > 0);
    }
    assertGrowing(third.texts, res3.text);
    assert.notEqual(res3.text, res1.text, 'each turn answers its own prompt');

    const detail = await getConversation(server, server.alice, conversationId);
    const path = assertLinearBranch(detail, res3.id, prompts);
    assert.deepEqual(
      path.map((entry) => entry.id),
      [res1.parentMessageId, res1.id, res2.parentMessageId, res2.id, res3.parentMessageId, res3.id],
      'the client-minted user ids are stored verbatim and the assistant ids are the ones it read',
    );
    assert.deepEqual(
      path
        .filter((entry) => entry.message?.author.role === 'assistant')
        .map((entry) => entry.message?.content.parts[0]),
      [res1.text, res2.text, res3.text],
    );
  });

  test(`${kind}: chatgpt ChatGPTUnofficialProxyAPI works on /backend-api/conversation and regenerates with action "variant"`, async () => {
    const api = proxyClient(server, '/backend-api/conversation');
    const res1 = await withTimeout(api.sendMessage('Name three primary colours.'), clientCallMs, 'turn 1');
    const conversationId = res1.conversationId ?? '';
    assert.match(conversationId, uuidV4);
    const question = 'Now name three secondary colours.';
    const res2 = await withTimeout(
      api.sendMessage(question, { conversationId, parentMessageId: res1.id }),
      clientCallMs,
      'turn 2',
    );

    // Regenerate turn 2 as the web app does: the same user message id and text, its parent as parent.
    const userId = res2.parentMessageId ?? '';
    const variant = await withTimeout(
      api.sendMessage(question, { action: 'variant', conversationId, parentMessageId: res1.id, messageId: userId }),
      clientCallMs,
      'variant',
    );
    assert.match(variant.id, uuidV4);
    assert.notEqual(variant.id, res2.id);
    assert.equal(variant.conversationId, conversationId);
    assert.ok(variant.text.length > 0);

    const detail = await getConversation(server, server.alice, conversationId);
    assert.equal(detail.current_node, variant.id);
    assert.deepEqual(
      node(detail, userId).children,
      [res2.id, variant.id],
      'the variant is a sibling of the first answer',
    );
    assert.equal(node(detail, variant.id).parent, userId);
    assert.equal(node(detail, res1.id).children.length, 1, 'no duplicate user message');
    const users = Object.values(detail.mapping).filter((entry) => entry.message?.author.role === 'user');
    assert.equal(users.length, 2);
  });

  test(`${kind}: chatgpt ChatGPTUnofficialProxyAPI round-trips Unicode and emoji`, async () => {
    const api = proxyClient(server, '/api/conversation');
    // Many multi-byte characters so network chunks are likely to split one (the client decodes per chunk).
    const prompt = `Ünïcödé ✓ 你好，世界 — emoji 🚀👩‍👩‍👧🏳️‍🌈 ${'é😀中'.repeat(30)} end`;
    const res = await withTimeout(api.sendMessage(prompt), clientCallMs, 'unicode turn');
    assert.ok(!res.text.includes('\uFFFD'), 'no replacement characters in the reply');
    assert.ok(
      res.text.includes('Ünïcödé ✓ 你好，世界 — emoji 🚀👩‍👩‍👧🏳️‍🌈'),
      `the demo reply quotes the prompt: ${res.text.slice(0, 200)}`,
    );
    const detail = await getConversation(server, server.alice, res.conversationId ?? '');
    assert.equal(node(detail, res.parentMessageId ?? '').message?.content.parts[0], prompt);
    assert.equal(node(detail, res.id).message?.content.parts[0], res.text);
  });

  test(`${kind}: chatgpt ChatGPTUnofficialProxyAPI rejects with the HTTP status for a bad token`, async () => {
    const api = proxyClient(server, '/api/conversation', 'not-a-valid-token');
    const failure = await withTimeout(
      api.sendMessage('hello').then(
        () => undefined,
        (error: unknown) => error,
      ),
      clientCallMs,
      'bad-token turn',
    );
    assert.ok(failure instanceof ChatGPTError, `expected a ChatGPTError, got ${String(failure)}`);
    assert.equal(failure.statusCode, 401);
  });

  test(`${kind}: ChatGPTBrowserClient holds a three-turn conversation, gets a title and deletes it`, async () => {
    const client = browserClient(server);
    const prompts = ['Tell me about the Roman Empire', 'Who was its first emperor?', 'When did it fall?'];
    const deltas: string[] = [];
    const reply1 = await withTimeout(
      client.sendMessage(prompts[0] ?? '', { onProgress: (delta) => deltas.push(delta) }),
      clientCallMs,
      'turn 1',
    );
    assert.ok(reply1.response.length > 0, 'turn 1 has text');
    assert.match(reply1.conversationId, uuidV4);
    assert.match(reply1.messageId, uuidV4);
    assert.equal(deltas.at(-1), '[DONE]');
    assert.ok(deltas.length >= 3, 'the reply streamed in several deltas');
    assert.equal(deltas.slice(0, -1).join('').trim(), reply1.response, 'the deltas add up to the reply');

    const { conversationId } = reply1;
    const replies: BrowserClientReply[] = [reply1];
    for (const [index, prompt] of prompts.slice(1).entries()) {
      const previous = replies.at(-1);
      const reply = await withTimeout(
        client.sendMessage(prompt, { conversationId, parentMessageId: previous?.messageId }),
        clientCallMs,
        `turn ${index + 2}`,
      );
      assert.equal(reply.conversationId, conversationId);
      assert.ok(reply.response.length > 0);
      replies.push(reply);
    }

    const last = replies.at(-1)?.messageId ?? '';
    const detail = await getConversation(server, server.alice, conversationId);
    const path = assertLinearBranch(detail, last, prompts);
    assert.deepEqual(
      path.map((entry) => entry.id),
      replies.flatMap((reply) => [reply.parentMessageId, reply.messageId]),
    );
    assert.deepEqual(
      path
        .filter((entry) => entry.message?.author.role === 'assistant')
        .map((entry) => entry.message?.content.parts[0]?.trim()),
      replies.map((reply) => reply.response),
    );

    // The client fires gen_title (not awaited) after the first turn and keeps its promise on details.title.
    const generated = await withTimeout(reply1.details.title ?? Promise.resolve(null), clientCallMs, 'gen_title');
    assert.ok(typeof generated === 'string' && generated.length > 0, `gen_title gave ${String(generated)}`);
    assert.notEqual(generated, 'New chat');
    const titled = await pollUntil(async () => {
      const current = await getConversation(server, server.alice, conversationId);
      return current.title === 'New chat' ? undefined : current.title;
    }, 'the conversation gets a title');
    assert.equal(titled, generated);
    const list = await server.request('/backend-api/conversations?offset=0&limit=28', { as: server.alice });
    const listed = ((await list.json()) as ConversationList).items.find((item) => item.id === conversationId);
    assert.equal(listed?.title, generated);

    // deleteConversation's promise never settles (client bug): fire it and watch the server instead.
    let deleteError: unknown;
    void client.deleteConversation(conversationId).catch((error: unknown) => {
      deleteError = error;
    });
    await pollUntil(async () => {
      if (deleteError !== undefined) throw new Error(`deleteConversation failed: ${String(deleteError)}`);
      const response = await server.request(`/backend-api/conversation/${conversationId}`, { as: server.alice });
      await response.body?.cancel();
      return response.status === 404 ? true : undefined;
    }, 'GET after deleteConversation answers 404');
    assert.equal(deleteError, undefined);
    const listing = await server.request('/backend-api/conversations?offset=0&limit=28', { as: server.alice });
    assert.ok(
      !((await listing.json()) as ConversationList).items.some((item) => item.id === conversationId),
      'still listed after delete',
    );
  });

  test(`${kind}: ChatGPTBrowserClient rejects (does not hang) for a bad token`, async () => {
    const client = browserClient(server, 'not-a-valid-token');
    const failure = await withTimeout(
      client.sendMessage('hello').then(
        () => undefined,
        (error: unknown) => error,
      ),
      clientCallMs,
      'bad-token turn',
    );
    assert.ok(failure instanceof Error, `expected an Error, got ${String(failure)}`);
    assert.match(failure.message, /HTTP 401/);
  });
});
