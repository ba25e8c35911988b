/**
 * `backchat copy --to postgres://…` as a user runs it (the built CLI): an SQLite installation filled
 * through the real server — accounts, sessions, tokens, an invite, settings, conversations with
 * branches and unicode, feedback, edited starter prompts, analytics and latency reports — is copied
 * into PostgreSQL, verified (the CLI's digest and, independently, the tests' digest), and a server on
 * the copy lets the same people sign in and see the same conversations. Also: a target holding data
 * is refused untouched; an interrupted copy (injected failure, SIGKILL) resumes to an exact copy; a
 * source changed between attempts fails verification naming the table, and --restart recovers; bad
 * arguments exit 2 with one line and never echo the password.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { noLimits } from '../../src/limits/limits-config.js';
import { startServer } from '../../src/server/main.js';
import { copyDatabase } from '../../src/store/copy/copy-database.js';
import { dependencyOrder } from '../../src/store/copy/copy-plan.js';
import { progressReporter } from '../../src/store/copy/copy-progress.js';
import type { DatabaseConfig } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { seedAnalyticsBatch, seedLatencyReport } from '../fixtures/seed/seed-bodies.js';
import { pollUntil } from '../helpers/bounded.js';
import { type CliResult, cleanEnv, killAll, repoRoot, runCli, startProcess } from '../helpers/cli-process.js';
import { createEmptyTestDatabase, type EmptyTestDatabase, postgresUnavailable } from '../helpers/databases.js';
import { digestDatabase } from '../helpers/db-digest.js';
import { readSse } from '../helpers/sse.js';
import { demoProvider } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

const password = 'pw-never-printed-7c1e';
const copyTimeoutMs = 60_000;
const folders: string[] = [];
const databases: EmptyTestDatabase[] = [];

function workspace(): { cwd: string; dataDir: string; file: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'backchat-copy-'));
  folders.push(cwd);
  return { cwd, dataDir: join(cwd, 'data'), file: join(cwd, 'data', 'backchat.sqlite') };
}

function assertExit(result: CliResult, code: number): void {
  const output = `\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  assert.equal(result.code, code, `exit ${result.code} (signal ${result.signal}), expected ${code}${output}`);
  assert.ok(!`${result.stdout}${result.stderr}`.includes(password), `the password was printed:${output}`);
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

/** A new PostgreSQL database and its URL with a password in it (the test server trusts local users). */
async function emptyPostgres(): Promise<{ url: string; config: DatabaseConfig }> {
  const database = await createEmptyTestDatabase('postgres');
  databases.push(database);
  const url = new URL(database.config.kind === 'postgres' ? database.config.url : '');
  url.password = password;
  return { url: url.toString(), config: database.config };
}

async function pgQuery<T>(config: DatabaseConfig, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: config.kind === 'postgres' ? config.url : '' });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

async function hasMarker(config: DatabaseConfig): Promise<boolean> {
  const [row] = await pgQuery<{ present: boolean }>(
    config,
    `select to_regclass('backchat_copy') is not null as present`,
  );
  return row?.present === true;
}

function copy(dataDir: string, url: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runCli(['copy', '--to', url, '--data-dir', dataDir, ...extra], {
    env: cleanEnv(env),
    timeoutMs: copyTimeoutMs,
  });
}

/**
 * The data tables of an SQLite file, read without any backchat code. The full-text search index (a
 * virtual table and its `<name>_*` shadow tables) and the conversation list's counts are not data: the
 * target's own triggers rebuild them.
 */
function sqliteTables(file: string): Map<string, number> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const names = db
      .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)
      .pluck()
      .all() as string[];
    const virtual = db
      .prepare(`select name from sqlite_master where type = 'table' and sql like 'create virtual table%'`)
      .pluck()
      .all() as string[];
    assert.ok(virtual.length > 0, 'the installation has a search index: the exclusion below is tested');
    const counts = names
      .filter((name) => name !== 'schema_migrations' && name !== 'conversation_counts')
      .filter((name) => !virtual.some((table) => name === table || name.startsWith(`${table}_`)))
      .map((name) => [name, db.prepare(`select count(*) from "${name}"`).pluck().get() as number] as const);
    return new Map(counts);
  } finally {
    db.close();
  }
}

/** The per-table lines of the summary: `  messages        1,234`. */
function summaryTables(stdout: string): Map<string, number> {
  const rows = [...stdout.matchAll(/^ {2}(\w+) +([\d,]+)$/gm)];
  return new Map(rows.map((match) => [match[1] ?? '', Number((match[2] ?? '').replaceAll(',', ''))]));
}

// ---------------------------------------------------------------------------------------------------
// The installation: filled through a real server on the SQLite file.

interface Installation {
  dataDir: string;
  file: string;
  adaPassword: string;
  adaToken: string;
  benPat: string;
  /** What Ada (an admin) is shown, by path: conversations, archived ones, accounts, invites. */
  views: Map<string, unknown>;
  branchedId: string;
  branched: unknown;
}

function serverConfig(dataDir: string, database: DatabaseConfig): Config {
  return {
    ...loadConfig({}, { port: 0, dataDir }),
    database,
    providers: [demoProvider],
    detectOllama: false,
    webRoot: '/nonexistent-web-root',
    limits: noLimits,
  };
}

type Call = (path: string, init?: { method?: string; json?: unknown; token?: string }) => Promise<Response>;

function client(url: string): Call {
  return (path, init = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.token && { authorization: `Bearer ${init.token}` }),
        ...(init.json !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    });
}

async function ok<T>(response: Promise<Response>): Promise<T> {
  const answered = await response;
  assert.ok(answered.status < 300, `HTTP ${answered.status} ${answered.url}: ${await answered.clone().text()}`);
  return (await answered.json()) as T;
}

/** One turn; returns the conversation id, the answer's id and its parent (the user message). */
async function turn(call: Call, token: string, body: Record<string, unknown>) {
  const response = await call('/backend-api/conversation', {
    token,
    json: { model: 'text-davinci-002-render-sha', ...body },
  });
  assert.equal(response.status, 200, await response.clone().text());
  const { payloads } = await readSse(response);
  const last = payloads.filter((payload) => payload.message).at(-1) as {
    conversation_id: string;
    message: { id: string; metadata: { parent_id: string } };
  };
  return { conversationId: last.conversation_id, answerId: last.message.id, userId: last.message.metadata.parent_id };
}

async function fillThroughServer(call: Call, adaPassword: string) {
  const ada = await ok<{ accessToken: string }>(
    call('/api/auth/setup', { json: { email: 'ada@example.com', password: adaPassword, name: 'Ada Lövelace 🚀' } }),
  );
  const admin = ada.accessToken;
  await ok(call('/backend-api/admin/settings', { method: 'PATCH', token: admin, json: { signup_policy: 'invite' } }));
  const invite = await ok<{ token: string }>(
    call('/backend-api/admin/invites', { token: admin, json: { email: 'ben@example.com' } }),
  );
  await ok(call('/backend-api/admin/invites', { token: admin, json: { role: 'admin', expires_in_hours: 2 } }));
  const ben = await ok<{ accessToken: string }>(
    call('/api/auth/signup', {
      json: { email: 'ben@example.com', password: 'ben long password', name: 'Ben 本田', invite: invite.token },
    }),
  );
  const pat = await ok<{ token: string }>(
    call('/backend-api/account/tokens', { token: ben.accessToken, json: { name: 'backup ✓', expires_in_days: 30 } }),
  );
  const carol = await ok<{ id: string }>(
    call('/backend-api/admin/users', {
      token: admin,
      json: { email: 'carol@example.com', password: 'carol long password', name: 'Carol' },
    }),
  );
  await ok(
    call(`/backend-api/admin/users/${carol.id}`, {
      method: 'PATCH',
      token: admin,
      json: { disabled: true, model_access: ['demo'] },
    }),
  );
  return { admin, ben: ben.accessToken, benPat: pat.token };
}

async function converse(call: Call, ada: string, ben: string) {
  const first = await turn(call, ada, {
    action: 'next',
    messages: [userMessage('Bonjour ! Ça va ? 日本語で答えて 🎉 "quotes" \\ backslash')],
    parent_message_id: crypto.randomUUID(),
    timezone_offset_min: -120,
  });
  const id = first.conversationId;
  const second = await turn(call, ada, {
    action: 'next',
    conversation_id: id,
    parent_message_id: first.answerId,
    messages: [userMessage('And a follow-up, with emoji 👩‍💻')],
  });
  await turn(call, ada, {
    action: 'variant',
    conversation_id: id,
    parent_message_id: first.answerId,
    messages: [{ ...userMessage('And a follow-up, with emoji 👩‍💻'), id: second.userId }],
  });
  await turn(call, ada, {
    action: 'next',
    conversation_id: id,
    parent_message_id: first.answerId,
    messages: [userMessage('An edited follow-up (a branch)')],
  });
  await ok(call(`/backend-api/conversation/gen_title/${id}`, { token: ada, json: { message_id: first.answerId } }));
  await ok(
    call('/backend-api/conversation/message_feedback', {
      token: ada,
      json: { conversation_id: id, message_id: second.answerId, rating: 'thumbsDown', text: 'trop long…', tags: ['x'] },
    }),
  );
  const renamed = await turn(call, ada, {
    action: 'next',
    messages: [userMessage('Rename me')],
    parent_message_id: crypto.randomUUID(),
  });
  await ok(
    call(`/backend-api/conversation/${renamed.conversationId}`, {
      method: 'PATCH',
      token: ada,
      json: { title: 'Réunion ☕ — 会议' },
    }),
  );
  const archived = await turn(call, ada, {
    action: 'next',
    messages: [userMessage('Archive me')],
    parent_message_id: crypto.randomUUID(),
  });
  await ok(
    call(`/backend-api/conversation/${archived.conversationId}`, {
      method: 'PATCH',
      token: ada,
      json: { is_archived: true },
    }),
  );
  await turn(call, ada, {
    action: 'next',
    messages: [userMessage('A temporary chat')],
    parent_message_id: crypto.randomUUID(),
    history_and_training_disabled: true,
  });
  await turn(call, ben, {
    action: 'next',
    messages: [userMessage('Ben’s own chat')],
    parent_message_id: crypto.randomUUID(),
  });
  await ok(call('/ces/v1/b', { token: ada, json: seedAnalyticsBatch }));
  await ok(call('/backend-api/lat/r', { token: ada, json: seedLatencyReport }));
  return id;
}

const viewedPaths = [
  '/backend-api/conversations?offset=0&limit=28',
  '/backend-api/conversations?offset=0&limit=28&is_archived=true',
  '/backend-api/admin/users',
  '/backend-api/admin/invites',
  '/backend-api/prompt_library/?limit=100&offset=0',
];

/** A response body with its `items` sorted by id (the prompt library answers a random sample). */
function comparable(body: unknown): unknown {
  const { items } = body as { items?: Array<{ id: string }> };
  return items ? { ...(body as object), items: [...items].sort((a, b) => a.id.localeCompare(b.id)) } : body;
}

/** Starts a server on the SQLite installation, fills it over HTTP, records what Ada sees, and stops it. */
async function fillInstallation(): Promise<Installation> {
  const { dataDir, file } = workspace();
  const server = await startServer(serverConfig(dataDir, { kind: 'sqlite', file }), { demoTokenDelayMs: 0 });
  try {
    const call = client(server.url);
    const adaPassword = 'ada long password';
    const { admin, ben, benPat } = await fillThroughServer(call, adaPassword);
    const branchedId = await converse(call, admin, ben);
    // Operators edit the starter prompts: one disabled (a boolean false), one of their own.
    await server.deps.store.deletePrompt('7fe8645d');
    await server.deps.store.upsertPrompt({
      id: 'c0ffee01',
      title: 'Écrire un haïku',
      description: 'sur le café ☕',
      prompt: 'Écris un haïku sur le café.',
      category: 'write',
    });
    const views = new Map<string, unknown>();
    for (const path of viewedPaths) views.set(path, comparable(await ok(call(path, { token: admin }))));
    const branched = await ok(call(`/backend-api/conversation/${branchedId}`, { token: admin }));
    return { dataDir, file, adaPassword, adaToken: admin, benPat, views, branchedId, branched };
  } finally {
    await server.close();
  }
}

/** A larger installation through the store: one user, `conversations` × 100 messages. */
async function bigInstallation(conversations: number): Promise<{ dataDir: string; file: string }> {
  const { dataDir, file } = workspace();
  const store = await openStore({ kind: 'sqlite', file });
  const user = await store.createUser({
    id: 'user-big',
    email: 'big@example.com',
    name: 'Big',
    passwordHash: 'not-a-real-hash',
    role: 'user',
    createTime: 1_700_000_000.5,
  });
  await store.transaction(async (tx) => {
    for (let c = 0; c < conversations; c++) await bigConversation(tx, user.id, `conversation-${c}`);
  });
  await store.close();
  return { dataDir, file };
}

async function bigConversation(store: Store, ownerId: string, id: string): Promise<void> {
  await store.createConversation({
    id,
    ownerId,
    title: `${id} — ünïcödé`,
    createTime: 1_700_000_100.25,
    rootId: `${id}-0`,
    currentNode: `${id}-0`,
    isTemporary: false,
    defaultModel: 'demo',
    timezoneOffsetMin: 60,
    conversationMode: { kind: 'primary_assistant' },
    suggestions: [],
  });
  for (let index = 0; index < 100; index++) {
    await store.insertMessage(ownerId, {
      id: `${id}-${index}`,
      conversationId: id,
      parentId: index === 0 ? null : `${id}-${index - 1}`,
      role: index === 0 ? 'root' : index % 2 ? 'user' : 'assistant',
      authorName: null,
      contentType: 'text',
      parts: [`message ${index}: ${'lorem ipsum '.repeat(20)}`],
      status: 'finished_successfully',
      endTurn: index % 2 === 0 ? true : null,
      weight: 1,
      metadata: { index },
      recipient: 'all',
      modelSlug: index % 2 === 0 ? 'demo' : null,
      createTime: 1_700_000_200.125 + index / 7,
      updateTime: null,
    });
  }
}

/** A copy of an installation's SQLite file in a new data dir (the server that wrote it has stopped). */
function cloneInstallation(file: string): { dataDir: string; file: string } {
  const target = workspace();
  mkdirSync(target.dataDir, { recursive: true });
  for (const suffix of ['', '-wal']) {
    if (existsSync(`${file}${suffix}`)) copyFileSync(`${file}${suffix}`, `${target.file}${suffix}`);
  }
  return target;
}

// ---------------------------------------------------------------------------------------------------

before(() => {
  // Build dist/ when it is older than the sources (tsc takes a few seconds).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
});

afterEach(() => killAll());

after(async () => {
  killAll();
  for (const database of databases) await database.drop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('copy to PostgreSQL', async () => {
  const unavailable = await postgresUnavailable();
  const requireAll = process.env.BACKCHAT_REQUIRE_ALL === '1';
  const skip = unavailable !== undefined && !requireAll ? `no PostgreSQL: ${unavailable}` : false;
  let installation: Installation;
  let big: { dataDir: string; file: string };

  const requirePostgres = () =>
    assert.equal(
      unavailable,
      undefined,
      `PostgreSQL is required (BACKCHAT_REQUIRE_ALL=1) but unreachable: ${unavailable}`,
    );

  before(async () => {
    if (unavailable !== undefined) return;
    installation = await fillInstallation();
    big = await bigInstallation(60);
  });

  test('copies every table, verifies, and a server on the copy shows the same people the same conversations', {
    skip,
  }, async () => {
    requirePostgres();
    const target = await emptyPostgres();
    const result = await copy(installation.dataDir, target.url);
    assertExit(result, 0);
    assert.match(result.stdout, /^verified: counts and digest match/m);
    assert.match(result.stdout, /^\d+ tables, [\d,]+ rows in [\d.]+ s \([\d,]+ rows\/s\)$/m);
    assert.match(result.stdout, /to PostgreSQL at \S+/);
    // Every table of the schema is copied, with every row: the summary lists exactly SQLite's tables.
    const tables = sqliteTables(installation.file);
    assert.deepEqual(summaryTables(result.stdout), tables);
    for (const table of ['users', 'sessions', 'settings', 'conversations', 'messages', 'message_feedback', 'prompts']) {
      assert.ok((tables.get(table) ?? 0) > 0, `the installation has no ${table} rows: the test would prove little`);
    }
    // Progress: one line per table with rows done / total (stderr is not a TTY here: plain lines).
    assert.match(result.stderr, /^messages +(\d+) \/ \1 rows +100% +[\d,]+ rows\/s/m);
    assert.match(result.stderr, /^verify messages +(\d+) \/ \1 rows +100%/m);
    assert.match(result.stderr, /^target: PostgreSQL at /m);
    assert.equal(
      await digestDatabase(target.config),
      await digestDatabase({ kind: 'sqlite', file: installation.file }),
    );
    assert.equal(await hasMarker(target.config), false, 'a finished copy leaves no marker');
    await checkServedCopy(target.config);
  });

  async function checkServedCopy(database: DatabaseConfig): Promise<void> {
    const server = await startServer(serverConfig(workspace().dataDir, database), { demoTokenDelayMs: 0 });
    try {
      const call = client(server.url);
      const signedIn = await ok<{ accessToken: string }>(
        call('/api/auth/login', { json: { email: 'ada@example.com', password: installation.adaPassword } }),
      );
      const ada = signedIn.accessToken;
      for (const [viewed, seen] of installation.views) {
        assert.deepEqual(comparable(await ok(call(viewed, { token: ada }))), seen, `GET ${viewed} differs on the copy`);
      }
      const path = `/backend-api/conversation/${installation.branchedId}`;
      assert.deepEqual(await ok(call(path, { token: ada })), installation.branched);
      // The search index is rebuilt on the target as the rows arrive: a message and a title are found.
      const searches: [string, string][] = [
        ['bonjour', (installation.branched as { title: string }).title],
        ['réunion', 'Réunion ☕ — 会议'],
      ];
      for (const [query, title] of searches) {
        const found = await ok<{ items: { conversation_id: string; title: string }[] }>(
          call(`/backend-api/conversations/search?query=${encodeURIComponent(query)}`, { token: ada }),
        );
        assert.deepEqual(
          found.items.map((item) => item.title),
          [title],
          `searching "${query}" on the copy`,
        );
      }
      // Tokens issued before the move still work: sessions, personal tokens and the signing secret moved.
      assert.equal(
        (await ok<{ email: string }>(call('/backend-api/me', { token: installation.adaToken }))).email,
        'ada@example.com',
      );
      assert.equal(
        (await ok<{ email: string }>(call('/backend-api/me', { token: installation.benPat }))).email,
        'ben@example.com',
      );
      const carol = await call('/api/auth/login', {
        json: { email: 'carol@example.com', password: 'carol long password' },
      });
      assert.equal(carol.status, 401, 'Carol is still disabled');
      // New rows after copied ones: the messages identity sequence was moved past the copied ids.
      const before = (await ok<{ current_node: string }>(call(path, { token: ada }))).current_node;
      const next = await turn(call, ada, {
        action: 'next',
        conversation_id: installation.branchedId,
        parent_message_id: before,
        messages: [userMessage('Written on PostgreSQL')],
      });
      assert.equal((await ok<{ current_node: string }>(call(path, { token: ada }))).current_node, next.answerId);
    } finally {
      await server.close();
    }
  }

  test('refuses a target that already holds data and changes nothing in it', { skip }, async () => {
    requirePostgres();
    const target = await emptyPostgres();
    const store = await openStore(target.config);
    await store.createUser({
      id: 'user-someone',
      email: 'someone@example.com',
      name: 'Someone',
      passwordHash: 'hash',
      role: 'user',
      createTime: 1_700_000_000,
    });
    await store.close();
    const before = await digestDatabase(target.config);
    const result = await copy(installation.dataDir, target.url);
    assertExit(result, 1);
    assert.match(lastLine(result.stderr), /already holds data \(rows in users: 1\).*create an empty database/);
    assert.equal(result.stdout, '');
    assert.equal(await digestDatabase(target.config), before);
    assert.equal(await hasMarker(target.config), false);

    // Another application's database: refused before backchat creates a single table in it.
    const foreign = await emptyPostgres();
    await pgQuery(foreign.config, `create table notes (id integer primary key, body text)`);
    await pgQuery(foreign.config, `insert into notes values (1, 'keep me')`);
    const refused = await copy(installation.dataDir, foreign.url);
    assertExit(refused, 1);
    assert.match(lastLine(refused.stderr), /already holds data \(rows in notes: 1\)/);
    const tables = await pgQuery<{ name: string }>(
      foreign.config,
      `select table_name as name from information_schema.tables where table_schema = 'public'`,
    );
    assert.deepEqual(
      tables.map((table) => table.name),
      ['notes'],
    );
  });

  test('a copy that fails midway resumes to an exact copy; meanwhile another source is refused', { skip }, async () => {
    requirePostgres();
    const target = await emptyPostgres();
    const failed = await copy(big.dataDir, target.url, [], { BACKCHAT_COPY_FAIL_AFTER_ROWS: '1050' });
    assertExit(failed, 1);
    assert.match(
      lastLine(failed.stderr),
      /copying messages stopped after [\d,]+ of 6,000 rows .*run the same command again to resume/,
    );
    const [copied] = await pgQuery<{ count: string }>(target.config, 'select count(*) from messages');
    assert.ok(Number(copied?.count) > 0 && Number(copied?.count) < 6000, `messages copied: ${copied?.count}`);

    const other = await copy(installation.dataDir, target.url);
    assertExit(other, 1);
    assert.match(lastLine(other.stderr), /holds an unfinished copy of SQLite file .*--restart/);

    const resumed = await copy(big.dataDir, target.url);
    assertExit(resumed, 0);
    assert.match(resumed.stderr, /resuming the interrupted copy: [\d,]+ rows were copied before/);
    assert.match(resumed.stdout, /resuming an interrupted copy/);
    assert.match(resumed.stdout, /^verified: counts and digest match/m);
    assert.equal(await digestDatabase(target.config), await digestDatabase({ kind: 'sqlite', file: big.file }));
    assert.equal(await hasMarker(target.config), false);
  });

  test('a copy killed midway (SIGKILL) resumes to an exact copy', { skip }, async () => {
    requirePostgres();
    const target = await emptyPostgres();
    const running = startProcess(['copy', '--to', target.url, '--data-dir', big.dataDir], { env: cleanEnv() });
    await pollUntil(
      async () => (/^messages +0 \/ 6,000 rows/m.test(running.output().stderr) ? true : undefined),
      'the copy reaching the messages table',
      { timeoutMs: copyTimeoutMs, intervalMs: 2 },
    );
    running.child.kill('SIGKILL');
    const killed = await running.exited(10_000);
    assert.equal(killed.signal, 'SIGKILL', `the copy ended before it was killed:\n${killed.stdout}`);
    assert.equal(await hasMarker(target.config), true);

    const resumed = await copy(big.dataDir, target.url);
    assertExit(resumed, 0);
    assert.match(resumed.stderr, /resuming the interrupted copy/);
    assert.equal(await digestDatabase(target.config), await digestDatabase({ kind: 'sqlite', file: big.file }));
  });

  test('a source changed between attempts fails verification naming the table; --restart copies it again', {
    skip,
  }, async () => {
    requirePostgres();
    const source = cloneInstallation(installation.file);
    const target = await emptyPostgres();
    assertExit(await copy(source.dataDir, target.url, [], { BACKCHAT_COPY_FAIL_AFTER_ROWS: '5' }), 1);
    // Someone started the server again and a new account appeared: the copied users are out of date.
    const store = await openStore({ kind: 'sqlite', file: source.file });
    await store.createUser({
      id: 'user-late',
      email: 'late@example.com',
      name: 'Late',
      passwordHash: 'hash',
      role: 'user',
      createTime: 1_700_000_001,
    });
    await store.close();
    const mismatch = await copy(source.dataDir, target.url);
    assertExit(mismatch, 1);
    assert.match(
      lastLine(mismatch.stderr),
      /verification failed: users has 4 rows in the source but 3 in the target.*--restart/,
    );
    assert.doesNotMatch(mismatch.stdout, /verified/);

    const restarted = await copy(source.dataDir, target.url, ['--restart']);
    assertExit(restarted, 0);
    assert.match(restarted.stderr, /restarting: discarding the unfinished copy of SQLite file/);
    assert.equal(await digestDatabase(target.config), await digestDatabase({ kind: 'sqlite', file: source.file }));
  });

  test('a source written to during the copy (a running server) fails the copy', { skip }, async () => {
    requirePostgres();
    const source = cloneInstallation(installation.file);
    const target = await emptyPostgres();
    let written = false;
    const writeToSource = () => {
      if (written) return;
      written = true;
      const db = new BetterSqlite3(source.file);
      db.prepare(`insert into settings (key, value) values ('written_meanwhile', 'yes')`).run();
      db.close();
    };
    await assert.rejects(
      copyDatabase({
        source: { kind: 'sqlite', file: source.file },
        target: { kind: 'postgres', url: target.url },
        progress: { note: () => {}, table: (update) => (update.table === 'messages' ? writeToSource() : undefined) },
      }),
      /the source changed while it was being copied \(is the server still running\?\)/,
    );
    assert.ok(written);
  });
});

describe('bad arguments and refusals before any database is touched', () => {
  const cases: Array<{ args: string[]; code: number; mentions: RegExp; env?: Record<string, string>; when?: string }> =
    [
      { args: ['copy'], code: 2, mentions: /--to is required/ },
      { args: ['copy', '--to'], code: 2, mentions: /--to/ },
      { args: ['copy', '--to', `mysql://root:${password}@db/backchat`], code: 2, mentions: /postgres:\/\// },
      { args: ['copy', '--to', `postgres://u:${password}@db/backchat`, '--bogus'], code: 2, mentions: /--bogus/ },
      {
        args: ['copy', '--to', `postgres://u:${password}@127.0.0.1:1/backchat`],
        code: 1,
        mentions: /already PostgreSQL \(DATABASE_URL\)/,
        when: 'with DATABASE_URL=postgres://…',
        env: { DATABASE_URL: `postgres://u:${password}@127.0.0.1:1/live` },
      },
      {
        args: ['copy', '--to', `postgres://u:${password}@127.0.0.1:1/backchat`],
        code: 1,
        mentions: /no SQLite database at /,
        when: 'on a data dir without backchat.sqlite',
      },
    ];
  for (const { args, code, mentions, env, when } of cases) {
    test(`"${['backchat', ...args].join(' ')}"${when ? ` ${when}` : ''} exits ${code} with one line`, async () => {
      const { cwd, dataDir } = workspace();
      const result = await runCli([...args, '--data-dir', dataDir], { cwd, env: cleanEnv(env) });
      assertExit(result, code);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, mentions);
      assert.equal(result.stdout, '');
      assert.ok(!existsSync(dataDir), 'nothing was created');
    });
  }

  test('--help lists copy and says to stop the server first', async () => {
    const result = await runCli(['--help']);
    assertExit(result, 0);
    assert.match(result.stdout, /copy --to postgres:\/\/… \[--restart\][^\n]*\n[^\n]*stop the server first/);
  });
});

describe('progress reporting', () => {
  const steppingClock = (): Clock & { advance(ms: number): void } => {
    let now = 0;
    return {
      now: () => new Date(now),
      monotonicMs: () => now,
      advance: (ms) => {
        now += ms;
      },
    };
  };
  const update = (done: number, finished = false) => ({
    phase: 'copy' as const,
    table: 'messages',
    done,
    total: 1000,
    copiedNow: done,
    elapsedMs: 500,
    finished,
  });

  test('on a TTY one line per table is redrawn in place, at most ten times a second', () => {
    const writes: string[] = [];
    const clock = steppingClock();
    const reporter = progressReporter({ isTTY: true, write: (text) => writes.push(text) }, clock);
    reporter.table(update(0));
    clock.advance(10);
    reporter.table(update(100));
    clock.advance(200);
    reporter.table(update(500));
    reporter.note('a note');
    reporter.table(update(1000, true));
    // Each redraw returns to the line's start and clears it (CR, then ESC [2K).
    const shown = writes.map((text) => text.replaceAll('\r\u001b[2K', '<redraw>').replace(/ +/g, ' '));
    assert.deepEqual(shown, [
      '<redraw>messages 0 / 1,000 rows 0%',
      '<redraw>messages 500 / 1,000 rows 50% 1,000 rows/s',
      '\n',
      'a note\n',
      '<redraw>messages 1,000 / 1,000 rows 100% 2,000 rows/s 0.5 s\n',
    ]);
  });

  test('elsewhere, plain lines: when a table starts, every two seconds, and when it ends', () => {
    const writes: string[] = [];
    const clock = steppingClock();
    const reporter = progressReporter({ write: (text) => writes.push(text) }, clock);
    reporter.table(update(0));
    clock.advance(1000);
    reporter.table(update(300));
    clock.advance(1500);
    reporter.table(update(600));
    reporter.table(update(1000, true));
    reporter.close();
    assert.deepEqual(
      writes.map((line) => line.replace(/ +/g, ' ')),
      [
        'messages 0 / 1,000 rows 0%\n',
        'messages 600 / 1,000 rows 60% 1,200 rows/s\n',
        'messages 1,000 / 1,000 rows 100% 2,000 rows/s 0.5 s\n',
      ],
    );
  });
});

test('tables are ordered parents first; a cycle of foreign keys is refused', () => {
  const parents = new Map([
    ['messages', ['conversations', 'messages']],
    ['conversations', ['users']],
    ['feedback', []],
  ]);
  assert.deepEqual(dependencyOrder(['messages', 'conversations', 'users', 'feedback'], parents), [
    'users',
    'conversations',
    'messages',
    'feedback',
  ]);
  assert.throws(
    () =>
      dependencyOrder(
        ['a', 'b'],
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    /foreign keys of a, b form a cycle/,
  );
});
