/**
 * `npm run bench -- search`: full-text search over 100,000 conversations of one user (10 messages each:
 * 1,000,000 message rows, plus each conversation's root holding its title), on SQLite and PostgreSQL.
 *
 * Measured: p50/p99 of `GET /backend-api/conversations/search?query=<word>&limit=20` over real loopback
 * HTTP (auth, parsing, the ranked, owner-scoped, one-per-conversation query, snippets, JSON), against
 * the baseline of the same word's raw FTS statement run directly on the database (the word as typed,
 * the owner's matches newest first up to the ranking cap, ranked, first 20, the plan the database picks —
 * no prefix expansion, no grouping, no conversation rows, no snippets, no HTTP): the ratio is what the
 * endpoint costs on top of the index lookup. Words of four frequencies:
 * in 10 conversations, in 1 %, in 10 %, and the most frequent word of the generated text. Targets
 * (docs/performance.md): p99 ≤ 50 ms on SQLite, ≤ 100 ms (twice that) on PostgreSQL.
 *
 * The data is generated once (bulk SQL through the migrated schema, so the search triggers index it
 * as it goes) and cached under os.tmpdir() (SQLite) and in the database `backchat_bench_search_<v>`
 * (PostgreSQL), keyed by `dataVersion`: change it when the schema or the generator changes.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { searchTerms } from '../src/conversation/conversation-search.js';
import { noLimits } from '../src/limits/limits-config.js';
import { startServer } from '../src/server/main.js';
import type { DatabaseConfig } from '../src/store/open-database.js';
import { openStore } from '../src/store/open-store.js';
import { fts5Match, maxRankedDocuments, titleWeight, tsqueryText } from '../src/store/search-queries.js';
import { postgresTestUrl, postgresUnavailable } from '../test/helpers/databases.js';
import { demoProvider, sessionAccessToken } from '../test/helpers/test-server.js';
import { type Bench, formatSpread, progress, quantile } from './suite/row.js';

const dataVersion = 'v2';
const conversations = 100_000;
const messagesPerConversation = 10;
const wordsPerMessage = 14;
const ownerId = 'bench-search-owner';
const rounds = 200;
/** A word stops after this long (at least `minRounds`): a slow one must not hold the run for minutes. */
const wordBudgetMs = 15_000;
const minRounds = 20;
const warmUp = 3;
const targetP99Ms = 50;

/** Marker words and how many conversations carry them (in one message each). */
const markers = [
  { word: 'quasar', every: 10_000, at: 3, label: 'in 10 conversations' },
  { word: 'nebula', every: 100, at: 6, label: 'in 1 % of conversations' },
  { word: 'galaxy', every: 10, at: 9, label: 'in 10 % of conversations' },
] as const;

/** A small seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const syllables = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'qui', 'del', 'sor', 'um', 'bra', 'fen', 'gil', 'hox', 'jun'];

/** 20,000 made-up words; drawn with a skewed distribution, so a few are very common (like "the"). */
function vocabulary(): string[] {
  const next = random(7);
  const words = new Set<string>();
  while (words.size < 20_000) {
    const length = 2 + Math.floor(next() * 3);
    let word = '';
    for (let n = 0; n < length; n += 1) word += syllables[Math.floor(next() * syllables.length)];
    words.add(word);
  }
  return [...words];
}

function conversationId(index: number): string {
  return `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

interface MessageRow {
  conversation_id: string;
  id: string;
  parent_id: string | null;
  role: string;
  parts: string;
  create_time: number | null;
}

/** The rows of conversation `index`: its conversation row, its root and 10 messages in a chain. */
function* generate(): Generator<{ title: string; id: string; time: number; messages: MessageRow[] }> {
  const words = vocabulary();
  const next = random(42);
  const word = () => words[Math.floor(words.length * next() ** 4)] as string;
  for (let index = 0; index < conversations; index += 1) {
    const id = conversationId(index);
    const time = 1_700_000_000 + index * 60;
    const messages: MessageRow[] = [
      { conversation_id: id, id: `${id}-root`, parent_id: null, role: 'root', parts: '[""]', create_time: null },
    ];
    let parent = `${id}-root`;
    for (let n = 0; n < messagesPerConversation; n += 1) {
      const text = Array.from({ length: wordsPerMessage }, word);
      for (const marker of markers) {
        if (index % marker.every === 0 && n === 3) text[marker.at] = marker.word;
      }
      const messageId = `${id}-${n}`;
      const sentence = `${text.join(' ')}.`;
      messages.push({
        conversation_id: id,
        id: messageId,
        parent_id: parent,
        role: n % 2 === 0 ? 'user' : 'assistant',
        parts: JSON.stringify([sentence.charAt(0).toUpperCase() + sentence.slice(1)]),
        create_time: time + n,
      });
      parent = messageId;
    }
    yield { title: `${word()} ${word()} ${index}`, id, time, messages };
  }
}

/** A progress line that overwrites the previous one (generation counts up). */
function progressInPlace(line: string): void {
  process.stderr.write(`\r${line}`);
}

async function migrateWithOwner(config: DatabaseConfig): Promise<void> {
  const store = await openStore(config, { onProgress: (line) => process.stderr.write(`${line}\n`) });
  try {
    if (!(await store.getUserById(ownerId))) {
      await store.createUser({
        id: ownerId,
        email: 'search-bench@example.com',
        name: 'Search bench',
        passwordHash: 'not-a-password',
        role: 'user',
        createTime: 1_700_000_000,
      });
    }
  } finally {
    await store.close();
  }
}

const messageColumns =
  'conversation_id, owner_id, id, parent_id, role, author_name, content_type, parts, status, end_turn, weight, metadata, recipient, model_slug, create_time, update_time';
const conversationColumns =
  'id, owner_id, title, create_time, update_time, current_node, root_id, is_archived, is_visible, is_temporary, default_model, timezone_offset_min, conversation_mode, suggestions';

export async function sqliteData(): Promise<DatabaseConfig> {
  const folder = join(tmpdir(), `backchat-bench-search-${dataVersion}`);
  const file = join(folder, 'search.db');
  const config: DatabaseConfig = { kind: 'sqlite', file };
  const done = join(folder, 'complete');
  if (existsSync(done)) return config;
  mkdirSync(folder, { recursive: true });
  await migrateWithOwner(config);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertConversation = db.prepare(
    `insert into conversations (${conversationColumns}) values (?, '${ownerId}', ?, ?, ?, ?, ?, 0, 1, 0, 'demo', 0, '{}', '[]')`,
  );
  const insertMessage = db.prepare(
    `insert into messages (${messageColumns}) values (?, '${ownerId}', ?, ?, ?, null, 'text', ?, 'finished_successfully', null, 1, '{}', 'all', null, ?, null)`,
  );
  const start = performance.now();
  let batch: Array<ReturnType<typeof generate> extends Generator<infer T> ? T : never> = [];
  const flush = db.transaction((items: typeof batch) => {
    for (const item of items) {
      const last = item.messages.at(-1)?.id ?? `${item.id}-root`;
      insertConversation.run(item.id, item.title, item.time, item.time + 10, last, `${item.id}-root`);
      for (const m of item.messages)
        insertMessage.run(m.conversation_id, m.id, m.parent_id, m.role, m.parts, m.create_time);
    }
  });
  let count = 0;
  for (const item of generate()) {
    batch.push(item);
    if (batch.length === 2_000) {
      flush(batch);
      count += batch.length;
      batch = [];
      progressInPlace(
        `sqlite: generated ${count}/${conversations} conversations (${((performance.now() - start) / 1000).toFixed(0)} s)`,
      );
    }
  }
  flush(batch);
  db.exec(`create table if not exists bench_complete (v text)`);
  db.close();
  mkdirSync(done, { recursive: true });
  process.stderr.write(`\nsqlite: generated in ${((performance.now() - start) / 1000).toFixed(0)} s\n`);
  return config;
}

export async function postgresData(): Promise<DatabaseConfig> {
  const name = `backchat_bench_search_${dataVersion}`;
  const url = new URL(postgresTestUrl);
  url.pathname = `/${name}`;
  const config: DatabaseConfig = { kind: 'postgres', url: url.toString() };
  const admin = new pg.Client({ connectionString: postgresTestUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) {
      const client = new pg.Client({ connectionString: config.url });
      await client.connect();
      const complete = await client.query(`select to_regclass('bench_complete') as t`);
      await client.end();
      if (complete.rows[0]?.t) return config;
      await admin.query(`drop database ${name} with (force)`);
    }
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  await migrateWithOwner(config);
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  const start = performance.now();
  try {
    await client.query('set synchronous_commit = off');
    let batch: Array<ReturnType<typeof generate> extends Generator<infer T> ? T : never> = [];
    let count = 0;
    const flush = async () => {
      const rows = batch.flatMap((item) => item.messages);
      await client.query('begin');
      await client.query(
        `insert into conversations (${conversationColumns})
         select c.id, '${ownerId}', c.title, c.t, c.t + 10, c.id || '-9', c.id || '-root', false, true, false, 'demo', 0, '{}', '[]'
         from unnest($1::text[], $2::text[], $3::float8[]) as c(id, title, t)`,
        [batch.map((item) => item.id), batch.map((item) => item.title), batch.map((item) => item.time)],
      );
      await client.query(
        `insert into messages (${messageColumns})
         select m.cid, '${ownerId}', m.id, m.parent, m.role, null, 'text', m.parts, 'finished_successfully', null, 1, '{}', 'all', null, m.t, null
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) as m(cid, id, parent, role, parts, t)`,
        [
          rows.map((m) => m.conversation_id),
          rows.map((m) => m.id),
          rows.map((m) => m.parent_id),
          rows.map((m) => m.role),
          rows.map((m) => m.parts),
          rows.map((m) => m.create_time),
        ],
      );
      await client.query('commit');
      count += batch.length;
      batch = [];
      progressInPlace(
        `postgres: generated ${count}/${conversations} conversations (${((performance.now() - start) / 1000).toFixed(0)} s)`,
      );
    };
    for (const item of generate()) {
      batch.push(item);
      if (batch.length === 2_000) await flush();
    }
    if (batch.length > 0) await flush();
    process.stderr.write('\npostgres: vacuum analyze…\n');
    await client.query('vacuum analyze');
    await client.query('create table bench_complete (v text)');
  } finally {
    await client.end();
  }
  process.stderr.write(`postgres: generated in ${((performance.now() - start) / 1000).toFixed(0)} s\n`);
  return config;
}

/** The most frequent word of the generated text (the skewed draw's first word). */
function mostFrequentWord(): string {
  return vocabulary()[0] as string;
}

async function timings(
  work: () => Promise<unknown>,
): Promise<{ p50: number; p99: number; hits: unknown; count: number }> {
  let hits: unknown;
  for (let n = 0; n < warmUp; n += 1) hits = await work();
  const times: number[] = [];
  const begin = performance.now();
  for (let n = 0; n < rounds; n += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
    if (n + 1 >= minRounds && performance.now() - begin > wordBudgetMs) break;
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), hits, count: times.length };
}

interface Row {
  database: string;
  word: string;
  label: string;
  items: number;
  requests: number;
  p50: number;
  p99: number;
  baselineP50: number;
  baselineP99: number;
}

/**
 * The raw FTS statement of one word, run directly: the word as typed (no prefix expansion), its owner's
 * newest matches up to the ranking cap, ranked, first 20 — the database picks its plan.
 */
function rawQuery(config: DatabaseConfig): { run(word: string): Promise<number>; close(): Promise<void> } {
  const query = (word: string) => ({ ...searchTerms(word), prefixLast: false, limit: 20, after: null });
  if (config.kind === 'sqlite') {
    const db = new Database(config.file, { readonly: true });
    const statement = db.prepare(
      `select seq, r from (select search_index.rowid as seq, bm25(search_index, ${titleWeight}, 1.0) as r
        from search_index join messages o on o.seq = search_index.rowid
        where search_index match ? and o.owner_id = ? order by search_index.rowid desc limit ${maxRankedDocuments})
      order by r limit 20`,
    );
    return {
      run: async (word) => statement.all(fts5Match(query(word)), ownerId).length,
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: config.url });
  const connected = client.connect();
  return {
    run: async (word) => {
      await connected;
      const result = await client.query(
        `select seq, ts_rank(document, to_tsquery('simple', $1)) as r from (select seq, document
           from search_documents where document @@ to_tsquery('simple', $1) and owner_id = $2
           order by seq desc limit ${maxRankedDocuments}) d
         order by r desc limit 20`,
        [tsqueryText(query(word)), ownerId],
      );
      return result.rowCount ?? 0;
    },
    close: () => client.end(),
  };
}

async function measure(config: DatabaseConfig): Promise<Row[]> {
  const appConfig = {
    ...loadConfig({}, { port: 0, dataDir: join(tmpdir(), 'backchat-bench-search-config') }),
    database: config,
    providers: [demoProvider],
    detectOllama: false,
    webRoot: '/nonexistent-web-root',
    limits: noLimits,
  };
  const store = await openStore(config);
  const server = await startServer(appConfig, { store });
  const raw = rawQuery(config);
  const rows: Row[] = [];
  try {
    const { token } = await sessionAccessToken(server.deps, ownerId);
    const words = [
      ...markers.map((m) => ({ word: m.word, label: m.label })),
      { word: mostFrequentWord(), label: 'most frequent word' },
    ];
    for (const { word, label } of words) {
      const url = `${server.url}/backend-api/conversations/search?query=${word}&limit=20`;
      const endpoint = await timings(async () => {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        if (response.status !== 200) throw new Error(`search answered ${response.status}: ${await response.text()}`);
        return ((await response.json()) as { items: unknown[] }).items.length;
      });
      const baseline = await timings(() => raw.run(word));
      rows.push({
        database: config.kind,
        word,
        label,
        items: Number(endpoint.hits),
        requests: endpoint.count,
        p50: endpoint.p50,
        p99: endpoint.p99,
        baselineP50: baseline.p50,
        baselineP99: baseline.p99,
      });
      process.stderr.write(
        `${config.kind}: ${word} p50 ${endpoint.p50.toFixed(1)} p99 ${endpoint.p99.toFixed(1)} ms\n`,
      );
    }
  } finally {
    await raw.close();
    await server.deps.jobs.stopAll();
    server.deps.jobs.dispose();
    await server.app.close();
    await store.close();
  }
  return rows;
}

/** Search at 100,000 conversations (issue 9's figure), on SQLite and PostgreSQL. */
export const searchBench: Bench = {
  ids: ['search'],
  title: 'full-text search over 100,000 conversations',
  async run() {
    const rows: Row[] = [];
    progress('search: SQLite data…');
    rows.push(...(await measure(await sqliteData())));
    const unavailable = await postgresUnavailable();
    if (unavailable) throw new Error(`search needs PostgreSQL: ${unavailable}`);
    progress('search: PostgreSQL data…');
    rows.push(...(await measure(await postgresData())));
    return rows.map((row) => {
      // The targets: 50 ms on SQLite, twice that on PostgreSQL.
      const limit = row.database === 'sqlite' ? targetP99Ms : 2 * targetP99Ms;
      return {
        id: 'search',
        measure: `search ${row.database}: ${row.word} (${row.label}), ${row.items} hits, ${row.requests} requests`,
        figure: formatSpread(row),
        baseline: `${formatSpread({ p50: row.baselineP50, p99: row.baselineP99 })} (raw FTS)`,
        ratio: row.p99 / row.baselineP99,
        target: `p99 ≤ ${limit} ms`,
        pass: row.p99 <= limit,
      };
    });
  },
};
