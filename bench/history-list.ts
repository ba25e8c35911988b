/**
 * `npm run bench -- P3`: the conversation list (the sidebar's history) at 100,000 conversations of one
 * user, on SQLite and PostgreSQL (the data set of bench/search.ts).
 *
 * Measured over real loopback HTTP with a bearer token (auth, the page, its exact `total`, JSON):
 * - the first page, `GET /backend-api/conversations?offset=0&limit=28&order=updated`, from 50 concurrent
 *   clients: p50/p99 of every request;
 * - the last page (`offset = total − 28`), sequential: p50/p99.
 * The baseline of each is the SELECT the store runs for that page (without the total), compiled by the
 * store's own query builder and run directly through the same driver, sequential. Targets
 * (docs/performance.md): p99 ≤ 10 ms for both, with `total` exact (checked against a count).
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { noLimits } from '../src/limits/limits-config.js';
import { startServer } from '../src/server/main.js';
import { listPageQuery } from '../src/store/conversation-queries.js';
import { type DatabaseConfig, dialectFor, openDatabase } from '../src/store/open-database.js';
import { openStore } from '../src/store/open-store.js';
import { postgresUnavailable } from '../test/helpers/databases.js';
import { demoProvider, sessionAccessToken } from '../test/helpers/test-server.js';
import { postgresData, sqliteData } from './search.js';
import { type Bench, type BenchRow, formatSpread, progress, spread } from './suite/row.js';

const ownerId = 'bench-search-owner';
const pageSize = 28;
const clients = 50;
const targetMs = 10;
const run = promisify(execFile);

/** Requests per figure: concurrent first pages, sequential last pages and baselines; fewer in a quick run. */
const rounds = { firstPage: 2_000, lastPage: 300, baseline: 300, warmUp: 50 };
const quickRounds = { firstPage: 300, lastPage: 40, baseline: 40, warmUp: 10 };

interface ListPage {
  total: number;
  items: Array<{ id: string }>;
}

/** A server on the data set, and a token of its owner. */
async function startListServer(config: DatabaseConfig) {
  const store = await openStore(config, { onProgress: progress });
  const server = await startServer(
    {
      ...loadConfig({}, { port: 0, dataDir: join(tmpdir(), 'backchat-bench-history-list-config') }),
      database: config,
      providers: [demoProvider],
      detectOllama: false,
      webRoot: '/nonexistent-web-root',
      limits: noLimits,
    },
    { store },
  );
  const { token } = await sessionAccessToken(server.deps, ownerId);
  const url = (offset: number) =>
    `${server.url}/backend-api/conversations?offset=${offset}&limit=${pageSize}&order=updated`;
  const page = async (offset: number): Promise<ListPage> => {
    const response = await fetch(url(offset), { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`the list answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as ListPage;
  };
  const close = async () => {
    await server.deps.jobs.stopAll();
    server.deps.jobs.dispose();
    await server.app.close();
    await store.close();
  };
  return { url, token, page, close };
}

/** Durations (ms) of `count` sequential calls of `work`. */
async function timed(work: () => Promise<unknown>, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let n = 0; n < count; n += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * The concurrent clients: plain JavaScript for a child `node -e`, so their requests and JSON parsing
 * do not share the server's event loop. LIST_URL, LIST_TOKEN, LIST_REQUESTS and LIST_CLIENTS in the
 * environment; prints every request's duration (ms) as a JSON array.
 */
const clientsSource = `
const { performance } = require('node:perf_hooks');
const env = process.env;
const headers = { authorization: 'Bearer ' + env.LIST_TOKEN };
const times = [];
let started = 0;
async function client() {
  while (started < Number(env.LIST_REQUESTS)) {
    started += 1;
    const start = performance.now();
    const response = await fetch(env.LIST_URL, { headers });
    if (response.status !== 200) throw new Error('the list answered ' + response.status);
    await response.json();
    times.push(performance.now() - start);
  }
}
Promise.all(Array.from({ length: Number(env.LIST_CLIENTS) }, client)).then(
  () => process.stdout.write(JSON.stringify(times)),
  (error) => { console.error(error); process.exit(1); },
);
`;

/** Durations (ms) of `requests` requests of `url`, from `clients` concurrent clients in a child process. */
async function concurrently(url: string, token: string, requests: number): Promise<number[]> {
  const env = { LIST_URL: url, LIST_TOKEN: token, LIST_REQUESTS: String(requests), LIST_CLIENTS: String(clients) };
  const { stdout } = await run(process.execPath, ['-e', clientsSource], {
    env: { ...process.env, ...env },
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as number[];
}

/** The offset of the last full page. */
const lastOffset = (total: number) => Math.max(0, total - pageSize);

/** The first and last pages' SELECTs as the store builds them (compiled for `config`), and a count of the list. */
async function pageStatements(config: DatabaseConfig, total: number) {
  const { db } = await openDatabase(config);
  try {
    const compiled = (offset: number): CompiledQuery => {
      const page = listPageQuery(db, ownerId, { offset, limit: pageSize, archived: false }, total);
      if (!page) throw new Error(`no page at offset ${offset} of ${total}`);
      return page.select.compile();
    };
    const count = await db
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', ownerId)
      .where('is_visible', '=', true)
      .where('is_temporary', '=', false)
      .where('is_archived', '=', false)
      .executeTakeFirst();
    return { first: compiled(0), last: compiled(lastOffset(total)), count: Number(count?.n) };
  } finally {
    await db.destroy();
  }
}

/** Runs compiled statements directly through the database's driver; resolves to the rows' count. */
function rawDriver(config: DatabaseConfig): { run(query: CompiledQuery): Promise<number>; close(): Promise<void> } {
  if (config.kind === 'sqlite') {
    const db = new Database(config.file, { readonly: true });
    const prepared = new Map<string, Database.Statement>();
    // The store's connection binds booleans as 0/1 on SQLite (translating-dialect.ts); so does this one.
    const map = dialectFor(config).mapParameter ?? ((value: unknown) => value);
    return {
      run: async (query) => {
        const statement = prepared.get(query.sql) ?? db.prepare(query.sql);
        prepared.set(query.sql, statement);
        return statement.all(...query.parameters.map(map)).length;
      },
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: config.url });
  const connected = client.connect();
  return {
    run: async (query) => {
      await connected;
      return (await client.query(query.sql, [...query.parameters])).rowCount ?? 0;
    },
    close: () => client.end(),
  };
}

interface Figures {
  database: string;
  total: number;
  firstPage: number[];
  /** The first page one request at a time: what a request costs without waiting for the others. */
  firstAlone: number[];
  lastPage: number[];
  baselineFirst: number[];
  baselineLast: number[];
}

async function measure(config: DatabaseConfig, quick: boolean): Promise<Figures> {
  const counts = quick ? quickRounds : rounds;
  const server = await startListServer(config);
  const raw = rawDriver(config);
  try {
    const { total } = await server.page(0);
    const statements = await pageStatements(config, total);
    if (total !== statements.count) {
      throw new Error(`${config.kind}: the list says total ${total}, the database counts ${statements.count}`);
    }
    const last = lastOffset(total);
    const lastItems = (await server.page(last)).items.length;
    if (lastItems !== Math.min(pageSize, total))
      throw new Error(`${config.kind}: the last page has ${lastItems} items`);
    await concurrently(server.url(0), server.token, counts.warmUp);
    progress(`P3 ${config.kind}: first page, ${clients} clients…`);
    const firstPage = await concurrently(server.url(0), server.token, counts.firstPage);
    progress(`P3 ${config.kind}: first and last page, sequential…`);
    const firstAlone = await timed(() => server.page(0), counts.lastPage);
    await timed(() => server.page(last), counts.warmUp);
    const lastPage = await timed(() => server.page(last), counts.lastPage);
    progress(`P3 ${config.kind}: baselines…`);
    await timed(() => raw.run(statements.last), counts.warmUp);
    const baselineFirst = await timed(() => raw.run(statements.first), counts.baseline);
    const baselineLast = await timed(() => raw.run(statements.last), counts.baseline);
    return { database: config.kind, total, firstPage, firstAlone, lastPage, baselineFirst, baselineLast };
  } finally {
    await raw.close();
    await server.close();
  }
}

function rows(figures: Figures): BenchRow[] {
  const row = (page: 'first' | 'last', times: number[], baseline: number[], note?: string): BenchRow => {
    const figure = spread(times);
    const base = spread(baseline);
    const how = page === 'first' ? `${clients} concurrent clients` : 'sequential';
    return {
      id: 'P3',
      measure: `list ${figures.database}: ${page} page of ${figures.total} (${how}, ${times.length} requests)`,
      figure: formatSpread(figure),
      baseline: `${formatSpread(base)} (page query)`,
      ratio: figure.p99 / base.p99,
      target: `p99 ≤ ${targetMs} ms, total exact`,
      pass: figure.p99 <= targetMs,
      note,
    };
  };
  const alone = `one request at a time: ${formatSpread(spread(figures.firstAlone))}; with ${clients} in flight each waits for the others on the server's one event loop`;
  return [
    row('first', figures.firstPage, figures.baselineFirst, alone),
    row('last', figures.lastPage, figures.baselineLast),
  ];
}

/** P3: the conversation list at 100,000 conversations, on SQLite and PostgreSQL. */
export const historyListBench: Bench = {
  ids: ['P3'],
  title: 'conversation list at 100,000 conversations',
  async run(options) {
    progress('P3: SQLite data…');
    const measured = [await measure(await sqliteData(), options.quick)];
    const unavailable = await postgresUnavailable();
    if (unavailable) throw new Error(`P3 needs PostgreSQL: ${unavailable}`);
    progress('P3: PostgreSQL data…');
    measured.push(await measure(await postgresData(), options.quick));
    return measured.flatMap(rows);
  },
};
