/**
 * Row P6 (docs/performance.md): telemetry ingestion under a flood, and what the flood does to the
 * requests people wait for. Backchat runs as its own `backchat serve` process (dist/, SQLite, every abuse
 * limit off, telemetry on); the clients run in this process, everything on 127.0.0.1.
 *
 * - Events/s: `senders` clients, each on its own keep-alive connection, post 100-event Segment batches to
 *   `POST /ces/v1/b` back to back for a fixed time; the figure is accepted events per second. Baseline: a
 *   bare insert server in its own process (node:http, `JSON.parse` of the body, the events inserted into an
 *   SQLite table of the same columns with one prepared statement, one transaction per batch, the same
 *   pragmas as backchat's SQLite) flooded the same way — the least such an endpoint does.
 * - Listing p99: during the flood, one more client lists the first page of conversations
 *   (`GET /backend-api/conversations?offset=0&limit=28`, a user with `conversations` of them) at a fixed
 *   rate, each request sent on schedule whether or not the previous one answered. Baseline: the same
 *   listing at the same rate with no flood. Target: p99 ≤ 1.5× its own baseline.
 *
 * The two cores of a small server are shared by the clients and the server alike; the bare server gets
 * the same clients, so the ratio holds what the machine allows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { noLimits } from '../src/limits/limits-config.js';
import { type CliProcess, cleanEnv, startProcess } from '../test/helpers/cli-process.js';
import { type FakeUpstream, startFakeUpstream } from '../test/helpers/fake-upstream.js';
import { buildServerIfStale, createSite, type Site } from '../test/helpers/server-process.js';
import { type Bench, type BenchOptions, type BenchRow, formatSpread, progress, spread } from './suite/row.js';
import { serveSite } from './suite/serve-site.js';
import { nextTurnBody } from './suite/turn-body.js';

const model = 'fake-model';
const senders = 8;
const eventsPerBatch = 100;
const listEveryMs = 20;
const listPath = '/backend-api/conversations?offset=0&limit=28';
const targetEventsPerSecond = 30_000;
const targetListingRatio = 1.5;

interface Sizes {
  /** How long each flood (and the listing alone) lasts. */
  floodMs: number;
  /** Conversations of the listing user. */
  conversations: number;
}

function sizes(quick: boolean): Sizes {
  return quick ? { floodMs: 3_000, conversations: 30 } : { floodMs: 10_000, conversations: 100 };
}

// ---------------------------------------------------------------------------------------------------
// Requests.

interface Answer {
  status: number;
  body: string;
}

function send(url: string, agent: Agent, options: { method?: string; payload?: string; token?: string }) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        agent,
        headers: {
          ...(options.payload !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(options.payload),
          }),
          ...(options.token && { authorization: `Bearer ${options.token}` }),
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer in 30 s from ${url}`)));
    req.end(options.payload);
  });
}

/** A batch like the web app's analytics.js sends: track and page events with properties and context. */
function batchPayload(client: number): string {
  const batch = Array.from({ length: eventsPerBatch }, (_, index) => ({
    type: index % 10 === 0 ? 'page' : 'track',
    event: index % 10 === 0 ? null : `Bench Event ${index % 7}`,
    anonymousId: `anon-${client}`,
    messageId: `ajs-next-${client}-${index}`,
    timestamp: new Date(1_700_000_000_000 + index).toISOString(),
    properties: { index, path: '/c/some-conversation', model: 'gpt-4o', count: index * 3 },
    context: { library: { name: 'analytics.js', version: 'next-1.53.0' }, locale: 'en-US', page: { path: '/' } },
  }));
  return JSON.stringify({ batch, sentAt: new Date(1_700_000_000_000).toISOString() });
}

interface Target {
  url: string;
  token?: string;
}

/** `senders` clients posting batches back to back until `untilMs`: events accepted per second. */
async function flood(target: Target, untilMs: number): Promise<number> {
  const started = performance.now();
  const client = async (index: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const payload = batchPayload(index);
    let events = 0;
    try {
      while (performance.now() < untilMs) {
        const answer = await send(`${target.url}/ces/v1/b`, agent, { method: 'POST', payload, token: target.token });
        if (answer.status !== 200) throw new Error(`/ces/v1/b answered ${answer.status}: ${answer.body}`);
        events += eventsPerBatch;
      }
    } finally {
      agent.destroy();
    }
    return events;
  };
  const counts = await Promise.all(Array.from({ length: senders }, (_, index) => client(index)));
  return counts.reduce((sum, count) => sum + count, 0) / ((performance.now() - started) / 1000);
}

/** The listing every `listEveryMs` until `untilMs`, on schedule: the latencies. */
async function listAtRate(target: Target, untilMs: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true });
  const timings: Promise<number>[] = [];
  try {
    for (let next = performance.now(); next < untilMs; next += listEveryMs) {
      await sleep(Math.max(0, next - performance.now()));
      const sent = performance.now();
      timings.push(
        send(`${target.url}${listPath}`, agent, { token: target.token }).then((answer) => {
          if (answer.status !== 200) throw new Error(`listing answered ${answer.status}: ${answer.body}`);
          return performance.now() - sent;
        }),
      );
    }
    return await Promise.all(timings);
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// The two servers.

async function stop(child: CliProcess | undefined): Promise<void> {
  if (!child) return;
  child.child.kill('SIGKILL');
  await child.exited(15_000).catch(() => {});
}

/** The bare insert server: plain JavaScript for a child `node -e` (better-sqlite3 from the repository). */
const bareSource = `
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const Database = require('better-sqlite3');
const db = new Database(process.env.BARE_DB);
for (const pragma of ['journal_mode = WAL', 'synchronous = NORMAL']) db.pragma(pragma);
db.exec('create table events (id text primary key, user_id text not null, claimed_user_id text, anonymous_id text, type text not null, event text, message_id text, timestamp text, properties text not null, context text not null, receive_time real not null)');
db.exec('create index events_user on events (user_id, receive_time)');
const insert = db.prepare('insert into events values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const insertAll = db.transaction((events, now) => {
  for (const e of events) {
    insert.run(randomUUID(), 'user', e.userId ?? null, e.anonymousId ?? null, e.type, e.event ?? null, e.messageId ?? null,
      e.timestamp ?? null, JSON.stringify(e.properties ?? {}), JSON.stringify(e.context ?? {}), now);
  }
});
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    insertAll(body.batch, Date.now() / 1000);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"success":true}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('bare listening on ' + server.address().port + '\\n'));
`;

async function startBare(dataDir: string): Promise<{ url: string; process: CliProcess }> {
  const env = cleanEnv({ BARE_DB: join(dataDir, 'bare-events.sqlite') });
  const bare = startProcess(['-e', bareSource], { command: process.execPath, env });
  try {
    const output = await bare.waitForStdout(/bare listening on \d+\n/, 30_000);
    return { url: `http://127.0.0.1:${/bare listening on (\d+)/.exec(output)?.[1]}`, process: bare };
  } catch (error) {
    await stop(bare);
    throw error;
  }
}

interface Backchat {
  site: Site;
  process: CliProcess;
  lister: Target;
  sender: Target;
}

async function startBackchat(upstream: FakeUpstream): Promise<Backchat> {
  const site = await createSite('sqlite', {
    users: ['lister', 'sender'],
    config: {
      providers: [{ type: 'openai-compatible', id: 'fake', baseUrl: upstream.url, models: [{ id: model }] }],
      limits: noLimits,
      telemetry: { enabled: true },
    },
  });
  const server = await serveSite(site);
  const [lister, sender] = site.users;
  return {
    site,
    process: server,
    lister: { url: site.url, token: lister?.token },
    sender: { url: site.url, token: sender?.token },
  };
}

/** `count` one-exchange conversations of the listing user, made through the API. */
async function addConversations(target: Target, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const turn = async (index: number) => {
    const payload = JSON.stringify(nextTurnBody(model, `Conversation ${index}: say something`));
    const answer = await send(`${target.url}/backend-api/conversation`, agent, {
      method: 'POST',
      payload,
      token: target.token,
    });
    if (answer.status !== 200) throw new Error(`a turn answered ${answer.status}: ${answer.body}`);
  };
  try {
    for (let start = 0; start < count; start += 4) {
      await Promise.all(Array.from({ length: Math.min(4, count - start) }, (_, offset) => turn(start + offset)));
    }
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// The rows.

async function measureBackchat(upstream: FakeUpstream, size: Sizes) {
  progress('telemetry: starting backchat…');
  const backchat = await startBackchat(upstream);
  try {
    await addConversations(backchat.lister, size.conversations);
    progress(`telemetry: listing alone, ${size.floodMs / 1000} s…`);
    await listAtRate(backchat.lister, performance.now() + 1_000);
    const alone = await listAtRate(backchat.lister, performance.now() + size.floodMs);
    progress(`telemetry: flood of ${senders} senders with the listing, ${size.floodMs / 1000} s…`);
    const until = performance.now() + size.floodMs;
    const [eventsPerSecond, during] = await Promise.all([
      flood(backchat.sender, until),
      listAtRate(backchat.lister, until),
    ]);
    return { eventsPerSecond, alone: spread(alone), during: spread(during), listings: during.length };
  } finally {
    await stop(backchat.process);
    await backchat.site.drop();
  }
}

async function measureBare(dataDir: string, size: Sizes): Promise<number> {
  progress(`telemetry: flood of the bare insert server, ${size.floodMs / 1000} s…`);
  const bare = await startBare(dataDir);
  try {
    await flood(bare, performance.now() + 1_000);
    return await flood(bare, performance.now() + size.floodMs);
  } finally {
    await stop(bare.process);
  }
}

async function run(options: BenchOptions): Promise<BenchRow[]> {
  const size = sizes(options.quick);
  await buildServerIfStale();
  const upstream = await startFakeUpstream({ models: [model] });
  upstream.script({ kind: 'reply', text: 'A short answer.', tokenDelayMs: 0 });
  const scratch = await mkdtemp(join(tmpdir(), 'backchat-bench-telemetry-'));
  try {
    const backchat = await measureBackchat(upstream, size);
    const bareEventsPerSecond = await measureBare(scratch, size);
    const eventsRatio = backchat.eventsPerSecond / bareEventsPerSecond;
    const listingRatio = backchat.during.p99 / backchat.alone.p99;
    const perSecond = (value: number) => `${Math.round(value).toLocaleString('en-US')} events/s`;
    return [
      {
        id: 'P6',
        measure: `telemetry ingestion, ${senders} clients × ${eventsPerBatch}-event batches (SQLite)`,
        figure: perSecond(backchat.eventsPerSecond),
        baseline: perSecond(bareEventsPerSecond),
        ratio: eventsRatio,
        target: `≥ ${targetEventsPerSecond.toLocaleString('en-US')} events/s`,
        pass: backchat.eventsPerSecond >= targetEventsPerSecond,
        note: `${size.floodMs / 1000} s each; baseline: bare node:http + better-sqlite3, one transaction per batch`,
      },
      {
        id: 'P6',
        measure: `conversation list during the flood, ${1000 / listEveryMs} req/s (SQLite)`,
        figure: formatSpread(backchat.during),
        baseline: formatSpread(backchat.alone),
        ratio: listingRatio,
        target: `p99 ≤ ${targetListingRatio}× the list alone`,
        pass: listingRatio <= targetListingRatio,
        note: `${backchat.listings} listings of ${size.conversations} conversations (limit 28); baseline: same rate, no flood`,
      },
    ];
  } finally {
    await upstream.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

export const telemetryBench: Bench = {
  ids: ['P6'],
  title: 'telemetry ingestion under a flood, and the conversation list meanwhile',
  run,
};
