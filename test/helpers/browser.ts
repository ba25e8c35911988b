/**
 * Browser tests in real Chromium (docs/web-ui.md, "Tests and benchmarks"): playwright-core driving
 * Debian's chromium (never a downloaded browser), a real backchat server serving the built web UI,
 * sign-in through the UI, an ordered log of the page's requests, and screenshots into
 * test-output/screenshots/.
 *
 * ```ts
 * browserSuite('seed flow', (ui) => {
 *   test('…', async () => {
 *     const server = await ui.server();                   // demo model at 5 ms per token
 *     const { page, log } = await ui.page(server);
 *     await signIn(page, server.alice);
 *     log.requests('/backend-api/');                      // what the page asked for, in order
 *     await screenshot(page, 'new-chat');
 *   });
 * });
 * ```
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { loadConfig, type ProviderConfig } from '../../src/config.js';
import { startServer } from '../../src/server/main.js';
import { openTestDatabase } from './databases.js';
import { startTestServer, type TestServer, type TestServerOptions, type TestUser } from './test-server.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const webDist = join(repoRoot, 'web-dist');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join(repoRoot, 'test-output/screenshots');

/** Chromium flags: headless, no sandbox, no GPU, and none of the browser's own background traffic. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The demo model, fast enough for tests yet slow enough to see streaming. */
export const uiDemoProvider: ProviderConfig = { type: 'demo', id: 'demo', tokenDelayMs: 2 };

/** Every wait in browser tests is bounded by this (ms) unless a test says otherwise. */
export const defaultWaitMs = 10_000;

const lockDir = join(repoRoot, '.tmp/web-build.lock');

function lockIsStale(): boolean {
  try {
    return Date.now() - statSync(lockDir).mtimeMs > 180_000;
  } catch {
    return false;
  }
}

async function withBuildLock<T>(work: () => T): Promise<T> {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      if (lockIsStale()) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('web build lock: another build did not finish within 3 minutes');
      await sleep(200);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

let built: Promise<void> | undefined;

/** Builds the server and web UI when stale (`node scripts/build.mjs --if-stale`), once per process. */
export function buildWebUi(): Promise<void> {
  built ??= withBuildLock(() => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-stale'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (result.status !== 0) throw new Error(`web UI build failed:\n${result.stdout}${result.stderr}`);
    if (!existsSync(join(webDist, 'index.html'))) throw new Error('web UI build produced no web-dist/index.html');
  });
  return built;
}

/** Why browser tests cannot run here, or undefined when Chromium is available. */
export function chromiumUnavailable(): string | undefined {
  return existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath} (set CHROMIUM_PATH)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, timeout: 30_000 });
}

/** One request the page made, in the order it made them. */
export interface LoggedRequest {
  method: string;
  /** Path and query, e.g. `/backend-api/conversations?offset=0&limit=28&order=updated`. */
  path: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body parsed (or the raw text, or undefined). */
  body: unknown;
}

function parseBody(request: Request): unknown {
  const text = request.postData();
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The page's requests in order, plus console errors and uncaught exceptions. */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  private readonly inFlight = new Set<Request>();
  private lastActivity = Date.now();

  attach(page: Page): void {
    const done = (request: Request) => {
      this.inFlight.delete(request);
      this.lastActivity = Date.now();
    };
    // A response's headers mean the server has handled the request (an unread body never
    // "finishes" in Chromium, so 'requestfinished' cannot be the signal).
    page.on('response', (response) => done(response.request()));
    page.on('requestfailed', done);
    page.on('request', (request) => {
      this.inFlight.add(request);
      this.lastActivity = Date.now();
      const url = new URL(request.url());
      this.entries.push({
        method: request.method(),
        path: url.pathname + url.search,
        url: request.url(),
        headers: request.headers(),
        body: parseBody(request),
      });
    });
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  /** `METHOD path` of every request whose path starts with one of `prefixes`. */
  requests(...prefixes: string[]): string[] {
    return this.matching(...prefixes).map((entry) => `${entry.method} ${entry.path}`);
  }

  matching(...prefixes: string[]): LoggedRequest[] {
    return this.entries.filter((entry) => prefixes.some((prefix) => entry.path.startsWith(prefix)));
  }

  /** Forgets what was logged so far (start of the part of a test being asserted). */
  clear(): void {
    this.entries.length = 0;
  }

  /**
   * Waits until the page has had no request in flight for `quietMs` (every one answered by the server),
   * e.g. before changing server state the page must not observe half-way.
   */
  async settled(quietMs = 300, timeoutMs = defaultWaitMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 || Date.now() - this.lastActivity < quietMs) {
      if (Date.now() > deadline) {
        const pending = [...this.inFlight].map((request) => `${request.method()} ${request.url()}`);
        throw new Error(`requests still in flight after ${timeoutMs} ms: ${pending.join(', ')}`);
      }
      await sleep(25);
    }
  }

  /** Waits until a request matching `prefix` (and `method`) has been made; returns it. */
  async waitFor(prefix: string, method = 'POST', timeoutMs = defaultWaitMs): Promise<LoggedRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.entries.find((entry) => entry.method === method && entry.path.startsWith(prefix));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${method} ${prefix} within ${timeoutMs} ms`);
      await sleep(25);
    }
  }
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** localStorage entries set before the app starts (e.g. `backchat.analytics`). */
  storage?: Record<string, string>;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  log: RequestLog;
}

/** What a browser suite hands its tests. */
export interface BrowserUi {
  browser(): Browser;
  /** A fresh server (SQLite, users alice and bob) serving the built UI; closed after the suite. */
  server(options?: TestServerOptions): Promise<TestServer>;
  /** A server with no account at all (first run), serving the built UI; closed after the suite. */
  emptyServer(): Promise<{ url: string }>;
  /** A new context (fresh storage) and page at the server's `/`, with the request log attached. */
  page(server: { url: string }, options?: PageOptions): Promise<OpenedPage>;
}

/** A first-run server: migrated database, no users, the demo model, the built UI. */
async function startEmptyServer(): Promise<{ url: string; close(): Promise<void> }> {
  const db = await openTestDatabase('sqlite');
  const base = loadConfig({}, { port: 0, dataDir: scratchDir('backchat-ui-empty-') });
  const running = await startServer(
    { ...base, database: db.config, providers: [uiDemoProvider], detectOllama: false, webRoot: webDist },
    { store: db.store },
  );
  return {
    url: running.url,
    close: async () => {
      await running.app.close();
      await db.close();
    },
  };
}

function registerUnavailable(name: string, reason: string): void {
  if (process.env.BACKCHAT_REQUIRE_ALL === '1') {
    test(`${name}: FAILED — ${reason} (BACKCHAT_REQUIRE_ALL=1 forbids skipping)`, () => {
      throw new Error(`Chromium is required: ${reason}`);
    });
    return;
  }
  test(`${name}: skipped — ${reason}`, { skip: reason }, () => {});
}

/**
 * A describe() block of browser tests sharing one Chromium; skipped visibly when Chromium is
 * missing (a failure under BACKCHAT_REQUIRE_ALL=1). Builds the web UI first if it is stale.
 */
export function browserSuite(name: string, register: (ui: BrowserUi) => void): void {
  const missing = chromiumUnavailable();
  if (missing) {
    registerUnavailable(name, missing);
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    const servers: Array<{ close(): Promise<void> }> = [];
    const contexts: BrowserContext[] = [];
    before(async () => {
      await buildWebUi();
      browser = await launchBrowser();
    });
    after(async () => {
      await Promise.allSettled(contexts.map((context) => context.close()));
      await browser?.close();
      await Promise.allSettled(servers.map((server) => server.close()));
    });
    const ui: BrowserUi = {
      browser: () => {
        if (!browser) throw new Error('the browser is not running (before() failed?)');
        return browser;
      },
      server: async (options = {}) => {
        const server = await startTestServer('sqlite', {
          providers: [uiDemoProvider],
          ...options,
          config: { webRoot: webDist, ...options.config },
        });
        servers.push(server);
        return server;
      },
      emptyServer: async () => {
        const server = await startEmptyServer();
        servers.push(server);
        return server;
      },
      page: async (server, options = {}) => {
        const opened = await openPage(ui.browser(), server.url, options);
        contexts.push(opened.context);
        return opened;
      },
    };
    register(ui);
  });
}

/** Opens `baseUrl` in a fresh context with the request log attached. */
export async function openPage(browser: Browser, baseUrl: string, options: PageOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  if (options.storage) {
    await context.addInitScript((entries: Record<string, string>) => {
      for (const [key, value] of Object.entries(entries)) window.localStorage.setItem(key, value);
    }, options.storage);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(defaultWaitMs);
  page.setDefaultNavigationTimeout(defaultWaitMs);
  const log = new RequestLog();
  log.attach(page);
  await page.goto('/');
  return { context, page, log };
}

/** Signs in through the sign-in page and waits for the new-chat screen. */
export async function signIn(page: Page, user: Pick<TestUser, 'email' | 'password'>): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
}

/** Saves a PNG of the page as test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), animations: 'disabled' });
}

/** A throwaway directory for a test (removed by the OS eventually; tests remove it when they can). */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The `<article>` of every message of a role, top to bottom. */
export function messages(page: Page, role: 'user' | 'assistant') {
  return page.locator(`article[data-role="${role}"]`);
}

/** Types `text` into the composer and presses Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/**
 * Waits until there are `count` answers and the last one has finished streaming (its actions
 * appear); returns the last answer's message id.
 */
export async function waitForAnswers(page: Page, count: number, timeoutMs = defaultWaitMs): Promise<string> {
  const answers = messages(page, 'assistant');
  const deadline = Date.now() + timeoutMs;
  while ((await answers.count()) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} answers within ${timeoutMs} ms`);
    await sleep(25);
  }
  const last = answers.nth(count - 1);
  await last.locator('[aria-label="Copy message"]').waitFor({ timeout: Math.max(1, deadline - Date.now()) });
  return (await last.getAttribute('data-message-id')) ?? '';
}

/** The server's view of a conversation (as `user`). */
export async function serverConversation(
  server: TestServer,
  user: TestUser,
  conversationId: string,
): Promise<{
  current_node: string;
  mapping: Record<
    string,
    {
      message: { content: { parts: string[] }; metadata: Record<string, unknown> } | null;
      parent: string | null;
      children: string[];
    }
  >;
}> {
  const response = await server.request(`/backend-api/conversation/${conversationId}`, { as: user });
  if (!response.ok) throw new Error(`GET conversation ${conversationId}: ${response.status}`);
  return response.json() as never;
}

/** The conversation id in the page's URL (`/c/:id`). */
export function conversationIdOf(page: Page): string {
  return new URL(page.url()).pathname.split('/c/')[1] ?? '';
}

/**
 * Creates conversations for `user` straight in the store (fast; no messages), newest first in
 * `titles` order: `titles[0]` is the most recently updated. Returns their ids in the same order.
 */
export async function seedConversations(server: TestServer, user: TestUser, titles: string[]): Promise<string[]> {
  const now = Date.now() / 1000;
  const ids: string[] = [];
  for (const [index, title] of titles.entries()) {
    const id = crypto.randomUUID();
    await server.deps.store.createConversation({
      id,
      ownerId: user.id,
      title,
      createTime: now - index * 60,
      rootId: crypto.randomUUID(),
      currentNode: crypto.randomUUID(),
      isTemporary: false,
      defaultModel: 'demo',
      timezoneOffsetMin: 0,
      conversationMode: { kind: 'primary_assistant' },
      suggestions: [],
    });
    ids.push(id);
  }
  return ids;
}
