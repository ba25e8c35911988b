/**
 * What the browser benchmarks stand on: the bench build of the web UI (render counters compiled in),
 * a backchat server whose model is a fake upstream streaming a fixed number of tokens, a seeded
 * 2,000-message conversation, a signed-in browser context, and a static-HTML baseline server.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import type { MessageRecord, MessageRole } from '../src/store/store.js';
import { repoRoot } from '../test/helpers/browser.js';
import type { TestServer } from '../test/helpers/test-server.js';
import { type ServerWithUpstream, startServerWithFakeUpstream } from '../test/helpers/upstream-server.js';

export const benchWebRoot = join(repoRoot, '.tmp/web-dist-bench');
export const benchModel = 'bench-model';

/** `vite build --mode bench` into .tmp/web-dist-bench. */
export function buildBenchUi(): void {
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--mode', 'bench'],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) throw new Error(`bench build failed:\n${result.stdout}${result.stderr}`);
}

const shortWords = ['the', 'fast', 'blue', 'tree', 'runs', 'over', 'a', 'calm', 'lake', 'and', 'sky', 'is', 'wide'];

/** Markdown whose streaming takes exactly `tokens` chunks at the fake upstream (one ≤4-letter word each). */
export function replyOfTokens(tokens: number): string {
  const words = Array.from({ length: tokens }, (_, index) => shortWords[index % shortWords.length] ?? 'word');
  const paragraphs: string[] = [];
  for (let index = 0; index < words.length; index += 50) paragraphs.push(words.slice(index, index + 50).join(' '));
  return paragraphs.join('\n\n');
}

export type BenchServer = ServerWithUpstream;

export async function startBenchServer(streamTokens: number, tokenDelayMs: number): Promise<BenchServer> {
  const setup = await startServerWithFakeUpstream('sqlite', {
    models: [benchModel],
    config: { webRoot: benchWebRoot, telemetryEnabled: false },
  });
  setup.upstream.script({ kind: 'reply', text: replyOfTokens(streamTokens), tokenDelayMs });
  return setup;
}

/** Realistic message text: prose, now and then a list or a code block (index-dependent). */
function messageText(index: number, role: 'user' | 'assistant'): string {
  const prose = `Message ${index}: ${'lorem ipsum dolor sit amet, consectetur adipiscing elit '.repeat(role === 'user' ? 2 : 6)}`;
  if (role === 'user') return prose.trim();
  if (index % 10 === 1)
    return `${prose}\n\n\`\`\`ts\nconst value${index} = compute(${index});\nconsole.log(value${index});\n\`\`\``;
  if (index % 10 === 5) return `${prose}\n\n- first point\n- second point\n- third point`;
  return `${prose}\n\n${prose}`;
}

export interface SeededConversation {
  conversationId: string;
  /** The first message under the root (the top of the thread). */
  firstMessageId: string;
  lastMessageId: string;
}

/** A conversation of `count` messages (user / assistant alternating) for `alice`. */
export async function seedLongConversation(server: TestServer, count: number): Promise<SeededConversation> {
  const store = server.deps.store;
  const conversationId = crypto.randomUUID();
  const rootId = crypto.randomUUID();
  const now = Date.now() / 1000;
  await store.createConversation({
    id: conversationId,
    ownerId: server.alice.id,
    title: `${count} messages`,
    createTime: now,
    rootId,
    currentNode: rootId,
    isTemporary: false,
    defaultModel: benchModel,
    timezoneOffsetMin: 0,
    conversationMode: { kind: 'primary_assistant' },
    suggestions: [],
  });
  let parent = rootId;
  let firstMessageId = '';
  await store.insertMessage(server.alice.id, rowOf(conversationId, rootId, null, 'root', '', now));
  for (let index = 0; index < count; index++) {
    const id = crypto.randomUUID();
    if (index === 0) firstMessageId = id;
    const role = index % 2 === 0 ? 'user' : 'assistant';
    await store.insertMessage(server.alice.id, rowOf(conversationId, id, parent, role, messageText(index, role), now));
    parent = id;
  }
  await store.updateConversation(server.alice.id, conversationId, { currentNode: parent });
  return { conversationId, firstMessageId, lastMessageId: parent };
}

function rowOf(
  conversationId: string,
  id: string,
  parentId: string | null,
  role: MessageRole,
  text: string,
  now: number,
): MessageRecord {
  return {
    id,
    conversationId,
    parentId,
    role,
    authorName: null,
    contentType: 'text',
    parts: role === 'root' ? [] : [text],
    status: 'finished_successfully',
    endTurn: role === 'assistant' ? true : null,
    weight: 1,
    metadata: role === 'assistant' ? { finish_details: { type: 'stop' }, model_slug: benchModel } : {},
    recipient: 'all',
    modelSlug: role === 'assistant' ? benchModel : null,
    createTime: now,
    updateTime: null,
  };
}

/** A browser context signed in as alice (the session cookie set through the real login route). */
export async function signedInContext(browser: Browser, server: TestServer): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  const login = await context.request.post('/api/auth/login', {
    data: { email: server.alice.email, password: server.alice.password },
  });
  if (!login.ok()) throw new Error(`bench login failed: ${login.status()}`);
  await context.addInitScript(() => window.localStorage.setItem('backchat.analytics', 'off'));
  return context;
}

/** The built stylesheet of the bench UI (`/assets/index-*.css`). */
export function benchStylesheet(): string {
  const css = readdirSync(join(benchWebRoot, 'assets')).find(
    (name) => name.startsWith('index-') && name.endsWith('.css'),
  );
  if (!css) throw new Error('bench build has no stylesheet');
  return `/assets/${css}`;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `html` at `/` and proxies every other path (the stylesheet, fonts) to `upstreamUrl`. */
export async function startStaticPage(html: string, upstreamUrl: string): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
      return;
    }
    fetch(`${upstreamUrl}${request.url ?? '/'}`)
      .then(async (upstream) => {
        response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
        response.end(Buffer.from(await upstream.arrayBuffer()));
      })
      .catch(() => response.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
