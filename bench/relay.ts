/**
 * Rows P1, P1b and P2 (docs/performance.md): what backchat adds on top of relaying a model's stream.
 * Backchat runs as its own `backchat serve` process (dist/, over a fresh database, every abuse limit
 * off, four users), its model an OpenAI-compatible provider pointed at the fake upstream
 * (test/helpers/fake-upstream.ts, 0 ms per token) running in this process, next to the client.
 * Everything is on 127.0.0.1.
 *
 * - P1: time to first token, one stream at a time. Backchat: from sending
 *   `POST /backend-api/conversation` to the first SSE event carrying model text; baseline: the same
 *   upstream called directly (`POST /v1/chat/completions`) to its first chunk with content. Rounds
 *   alternate A B B A on keep-alive connections; the row reports both and the time added (p50, p99),
 *   and, as a note, when the upstream got backchat's request (what the turn does before calling the model).
 * - P1b: 100 streams started at once, each on a new TCP connection, TTFT p99 through backchat against
 *   the same 100 sent directly to the upstream (several bursts, alternating, pooled).
 * - P2: CPU of the server process only (the sum over its threads of /proc/<pid>/task/<tid>/schedstat,
 *   nanoseconds) per 1-token turn, and per extra token ((a 1,000-token turn − a 1-token turn) / 999),
 *   against a bare Node relay in its own process: a node:http server that forwards each request to the
 *   upstream and writes back, for each of its chunks, the whole message so far as this protocol's event
 *   (`{"message": {…, "content": {"parts": [text]}}, …}`, JSON.stringify) — the least a relay speaking
 *   the ChatGPT web protocol does: its events carry the whole text, so bytes grow with its square. The note gives both
 *   streams' sizes: backchat's snapshots are cumulative, but it writes only the newest while the socket
 *   is backed up.
 *
 * Before any row, 3,000 one-token turns go through each server (`settle`): the rows describe servers
 * that have been up for a while, not their first minutes, when V8 is still compiling backchat's code;
 * P2's note keeps the CPU per turn of their first 500 turns after start.
 *
 * The model's first token is a marker no other part of either stream contains, so "first model text"
 * is the first bytes that contain it. SQLite always; PostgreSQL as extra rows when it is reachable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { noLimits } from '../src/limits/limits-config.js';
import { type CliProcess, cleanEnv, startProcess } from '../test/helpers/cli-process.js';
import { type DatabaseKind, postgresUnavailable } from '../test/helpers/databases.js';
import { type FakeUpstream, startFakeUpstream } from '../test/helpers/fake-upstream.js';
import { buildServerIfStale, createSite, type Site } from '../test/helpers/server-process.js';
import { type Bench, type BenchOptions, type BenchRow, formatSpread, progress, spread } from './suite/row.js';
import { serveSite } from './suite/serve-site.js';
import { nextTurnBody } from './suite/turn-body.js';

const model = 'fake-model';
/** The reply's first token (the fake upstream cuts text into pieces of up to four characters). */
const marker = 'Qk7';
const shortReply = `${marker} and a few more words`;
const longTokens = 1_000;
const burst = 100;
const users = ['relay1', 'relay2', 'relay3', 'relay4'];

interface Sizes {
  /** Turns through each server before any row (see `settle`), in blocks of `settleBlock`. */
  settle: number;
  warmUp: number;
  /** P1 rounds (each one turn through backchat and one direct call). */
  rounds: number;
  /** P1b bursts of each side. */
  bursts: number;
  /** P2 turns of 1 token and of 1,000 tokens, per server. */
  shortTurns: number;
  longTurns: number;
}

function sizes(quick: boolean): Sizes {
  return quick
    ? { settle: 100, warmUp: 5, rounds: 40, bursts: 1, shortTurns: 40, longTurns: 5 }
    : { settle: 3_000, warmUp: 20, rounds: 200, bursts: 4, shortTurns: 300, longTurns: 30 };
}

// ---------------------------------------------------------------------------------------------------
// The client: node:http, reading each stream to its end and noting when the marker first arrived.

interface Stream {
  status: number;
  /** performance.now() when the request was sent. */
  startMs: number;
  /** Milliseconds from sending the request to the first bytes holding the marker (NaN if never). */
  ttftMs: number;
  bytes: number;
}

interface Call {
  url: string;
  body: unknown;
  token?: string;
}

function stream(call: Call, agent: Agent | false): Promise<Stream> {
  const payload = JSON.stringify(call.body);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      call.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(call.token && { authorization: `Bearer ${call.token}` }),
        },
      },
      (response) => {
        let ttftMs = Number.NaN;
        let bytes = 0;
        let tail = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          bytes += chunk.length;
          if (Number.isNaN(ttftMs) && (tail + chunk).includes(marker)) ttftMs = performance.now() - start;
          tail = (tail + chunk).slice(-marker.length);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, startMs: start, ttftMs, bytes }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer in 60 s from ${call.url}`)));
    req.end(payload);
  });
}

/** A stream that must succeed and carry the marker. */
async function ttft(call: Call, agent: Agent | false): Promise<Stream> {
  const result = await stream(call, agent);
  if (result.status !== 200 || Number.isNaN(result.ttftMs)) {
    throw new Error(`${call.url} answered ${result.status} without the first token (${result.bytes} bytes)`);
  }
  return result;
}

/** What backchat sends the upstream for such a turn. */
const directBody = {
  model,
  messages: [{ role: 'user', content: 'Say something' }],
  stream: true,
  stream_options: { include_usage: true },
};

// ---------------------------------------------------------------------------------------------------
// Server processes and their CPU time.

interface Child {
  url: string;
  pid: number;
  process: CliProcess;
}

/** CPU time of every thread of a process so far, in milliseconds (nanosecond counters). */
function cpuMs(pid: number): number {
  let nanoseconds = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return nanoseconds / 1e6;
}

async function stopChild(child: Child | undefined): Promise<void> {
  if (!child) return;
  child.process.child.kill('SIGKILL');
  await child.process.exited(15_000).catch(() => {});
}

interface Backchat extends Child {
  site: Site;
}

async function startBackchat(kind: DatabaseKind, upstream: FakeUpstream): Promise<Backchat> {
  const site = await createSite(kind, {
    users,
    config: {
      providers: [{ type: 'openai-compatible', id: 'fake', baseUrl: upstream.url, models: [{ id: model }] }],
      limits: noLimits,
      telemetry: { enabled: false },
    },
  });
  const server = await serveSite(site);
  return { url: site.url, pid: server.child.pid as number, process: server, site };
}

async function stopBackchat(backchat: Backchat | undefined): Promise<void> {
  await stopChild(backchat);
  await backchat?.site.drop();
}

/** The bare relay: plain JavaScript for a child `node -e`, the upstream's URL in RELAY_UPSTREAM. */
const relaySource = `
const http = require('node:http');
const upstream = new URL(process.env.RELAY_UPSTREAM);
const agent = new http.Agent({ keepAlive: true });
const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const headers = { 'content-type': 'application/json' };
    const call = http.request(upstream, { method: 'POST', agent, headers }, (answer) => {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      let rest = '';
      let whole = '';
      answer.setEncoding('utf8');
      answer.on('data', (text) => {
        const lines = (rest + text).split('\\n');
        rest = lines.pop();
        for (const line of lines) {
          if (!line.startsWith('data: ')) continue;
          if (line === 'data: [DONE]') { response.write('data: [DONE]\\n\\n'); continue; }
          whole += JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? '';
          const message = { id: 'm', author: { role: 'assistant' }, content: { content_type: 'text', parts: [whole] }, status: 'in_progress' };
          response.write('data: ' + JSON.stringify({ message, conversation_id: 'c', error: null }) + '\\n\\n');
        }
      });
      answer.on('end', () => response.end());
    });
    call.on('error', () => response.destroy());
    call.end(JSON.stringify(${JSON.stringify(directBody)}));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('relay listening on ' + server.address().port + '\\n'));
`;

async function startRelay(upstream: FakeUpstream): Promise<Child> {
  const env = cleanEnv({ RELAY_UPSTREAM: `${upstream.url}/chat/completions` });
  const relay = startProcess(['-e', relaySource], { command: process.execPath, env });
  try {
    const output = await relay.waitForStdout(/relay listening on \d+\n/, 30_000);
    const port = /relay listening on (\d+)/.exec(output)?.[1];
    return { url: `http://127.0.0.1:${port}/`, pid: relay.child.pid as number, process: relay };
  } catch (error) {
    relay.child.kill('SIGKILL');
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// The rows.

interface Sides {
  backchat: Backchat;
  relay: Child;
  upstream: FakeUpstream;
  /** Personal access tokens of the site's users. */
  tokens: string[];
}

function backchatCall(sides: Sides, index: number): Call {
  const token = sides.tokens[index % sides.tokens.length];
  return { url: `${sides.backchat.url}/backend-api/conversation`, body: nextTurnBody(model, 'Say something'), token };
}

function relayCall(sides: Sides): Call {
  return { url: sides.relay.url, body: nextTurnBody(model, 'Say something') };
}

function directCall(sides: Sides): Call {
  return { url: `${sides.upstream.url}/chat/completions`, body: directBody };
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

/** The machine's load when a row ends: latencies on a shared machine mean little without it. */
function machineLoad(): string {
  return `load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${availableParallelism()} cores`;
}

async function firstToken(sides: Sides, size: Sizes, kind: DatabaseKind): Promise<BenchRow> {
  // When the upstream got the turn's chat request: what backchat did before calling the model.
  let reachedMs = Number.NaN;
  sides.upstream.script(() => {
    reachedMs = performance.now();
    return { kind: 'reply', text: shortReply, tokenDelayMs: 0 };
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const through: number[] = [];
    const beforeUpstream: number[] = [];
    const direct: number[] = [];
    for (let index = 0; index < size.warmUp; index++) {
      await ttft(backchatCall(sides, index), agent);
      await ttft(directCall(sides), agent);
    }
    for (let index = 0; index < size.rounds; index++) {
      const a = async () => {
        const result = await ttft(backchatCall(sides, index), agent);
        through.push(result.ttftMs);
        beforeUpstream.push(reachedMs - result.startMs);
      };
      const b = async () => direct.push((await ttft(directCall(sides), agent)).ttftMs);
      // A B B A: whatever favours the first or the second call of a pair hits both sides alike.
      if (index % 2 === 0) await a().then(b);
      else await b().then(a);
    }
    const subject = spread(through);
    const baseline = spread(direct);
    const added = { p50: subject.p50 - baseline.p50, p99: subject.p99 - baseline.p99 };
    return {
      id: 'P1',
      measure: `time to first token, 1 stream at a time (${kind})`,
      figure: `${formatSpread(subject)} (added ${ms(added.p50)} p50 / ${ms(added.p99)} p99)`,
      baseline: formatSpread(baseline),
      ratio: subject.p50 / baseline.p50,
      target: 'added ≤ 2 ms p50, ≤ 10 ms p99',
      pass: added.p50 <= 2 && added.p99 <= 10,
      note: `${size.rounds} rounds each, A B B A, keep-alive; added = p of backchat − p of direct; the upstream is reached after ${formatSpread(spread(beforeUpstream))}; ${machineLoad()}`,
    };
  } finally {
    agent.destroy();
  }
}

/** `burst` streams sent at once, each on a new connection: their TTFTs. */
function volley(call: (index: number) => Call): Promise<number[]> {
  return Promise.all(Array.from({ length: burst }, async (_, index) => (await ttft(call(index), false)).ttftMs));
}

async function manyStreams(sides: Sides, size: Sizes, kind: DatabaseKind): Promise<BenchRow> {
  sides.upstream.script({ kind: 'reply', text: shortReply, tokenDelayMs: 0 });
  const through: number[] = [];
  const direct: number[] = [];
  await volley((index) => backchatCall(sides, index));
  await volley(() => directCall(sides));
  for (let round = 0; round < size.bursts; round++) {
    const a = async () => through.push(...(await volley((index) => backchatCall(sides, index))));
    const b = async () => direct.push(...(await volley(() => directCall(sides))));
    if (round % 2 === 0) await a().then(b);
    else await b().then(a);
  }
  const subject = spread(through);
  const baseline = spread(direct);
  const ratio = subject.p99 / baseline.p99;
  return {
    id: 'P1b',
    measure: `time to first token, ${burst} streams at once on new connections (${kind})`,
    figure: formatSpread(subject),
    baseline: formatSpread(baseline),
    ratio,
    target: 'p99 ≤ 3× direct',
    pass: ratio <= 3,
    note: `${size.bursts} burst(s) of ${burst} per side after one warm-up burst, pooled; ${users.length} users; ${machineLoad()}`,
  };
}

interface TurnCost {
  /** CPU milliseconds of the server process per turn. */
  cpuMs: number;
  /** Bytes of the response per turn (as characters read). */
  bytes: number;
}

/** The server `pid`'s cost per stream, over `turns` sequential ones. */
async function costPerTurn(pid: number, turns: number, call: () => Call, agent: Agent): Promise<TurnCost> {
  const before = cpuMs(pid);
  let bytes = 0;
  for (let index = 0; index < turns; index++) {
    const result = await stream(call(), agent);
    if (result.status !== 200) throw new Error(`a turn answered ${result.status}`);
    bytes += result.bytes;
  }
  return { cpuMs: (cpuMs(pid) - before) / turns, bytes: bytes / turns };
}

interface Cost {
  short: TurnCost;
  long: TurnCost;
}

async function cpuCosts(sides: Sides, size: Sizes, agent: Agent): Promise<{ backchat: Cost; relay: Cost }> {
  let index = 0;
  const viaBackchat = () => backchatCall(sides, index++);
  const viaRelay = () => relayCall(sides);
  const measureBoth = async (turns: number) => ({
    backchat: await costPerTurn(sides.backchat.pid, turns, viaBackchat, agent),
    relay: await costPerTurn(sides.relay.pid, turns, viaRelay, agent),
  });
  sides.upstream.script({ kind: 'reply', text: marker, tokenDelayMs: 0 });
  await measureBoth(size.warmUp);
  const short = await measureBoth(size.shortTurns);
  sides.upstream.script({ kind: 'reply', text: `${marker}${' tok'.repeat(longTokens - 1)}`, tokenDelayMs: 0 });
  await measureBoth(Math.min(size.warmUp, 3));
  const long = await measureBoth(size.longTurns);
  return {
    backchat: { short: short.backchat, long: long.backchat },
    relay: { short: short.relay, long: long.relay },
  };
}

const settleBlock = 500;

/** CPU per turn of each server over the first and the last block of `settle`. */
interface Settled {
  backchat: { first: number; last: number };
  relay: { first: number; last: number };
}

/**
 * Runs one-token turns through both servers before any row is measured, so that the rows describe a
 * server that has been up for a while and not its first minutes. V8 compiles a function with its
 * optimising compiler once it has run often enough, in background threads; one turn runs a few hundred
 * of backchat's functions, each once or a few times, so they reach that point over the first thousands
 * of turns (after a start, `--trace-opt` logged ~300 such compilations spread evenly over 2,000 turns).
 * Until then a turn costs more on the main thread and the compiler threads' time is counted as well:
 * the first and last blocks' CPU per turn go into P2's note, where that start-up cost stays visible.
 * The bare relay is a few functions, compiled within its first turns.
 */
async function settle(sides: Sides, size: Sizes): Promise<Settled> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let index = 0;
  const viaBackchat = () => backchatCall(sides, index++);
  const viaRelay = () => relayCall(sides);
  sides.upstream.script({ kind: 'reply', text: marker, tokenDelayMs: 0 });
  const blocks = Math.max(1, Math.ceil(size.settle / settleBlock));
  const block = Math.ceil(size.settle / blocks);
  const backchat: number[] = [];
  const relay: number[] = [];
  try {
    for (let step = 0; step < blocks; step++) {
      backchat.push((await costPerTurn(sides.backchat.pid, block, viaBackchat, agent)).cpuMs);
      relay.push((await costPerTurn(sides.relay.pid, block, viaRelay, agent)).cpuMs);
    }
  } finally {
    agent.destroy();
  }
  const ends = (values: number[]) => ({ first: values[0] ?? Number.NaN, last: values.at(-1) ?? Number.NaN });
  return { backchat: ends(backchat), relay: ends(relay) };
}

async function cpuRows(sides: Sides, size: Sizes, kind: DatabaseKind, settled: Settled): Promise<BenchRow[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { backchat, relay } = await cpuCosts(sides, size, agent);
    const perToken = (cost: Cost) => (cost.long.cpuMs - cost.short.cpuMs) / (longTokens - 1);
    const marginal = perToken(backchat) / perToken(relay);
    const us = (value: number) => `${(value * 1000).toFixed(1)} µs`;
    const kib = (cost: Cost) => `${(cost.long.bytes / 1024).toFixed(0)} KiB`;
    return [
      {
        id: 'P2',
        measure: `server CPU per 1-token turn (${kind})`,
        figure: ms(backchat.short.cpuMs),
        baseline: ms(relay.short.cpuMs),
        ratio: backchat.short.cpuMs / relay.short.cpuMs,
        target: '≤ 2 ms per turn',
        pass: backchat.short.cpuMs <= 2,
        note: `${size.shortTurns} sequential turns each, after ${size.settle} to settle both servers (their first ${Math.min(size.settle, settleBlock)} turns after start: ${ms(settled.backchat.first)} / ${ms(settled.relay.first)} per turn, their last: ${ms(settled.backchat.last)} / ${ms(settled.relay.last)}); baseline: a bare Node SSE relay process`,
      },
      {
        id: 'P2',
        measure: `server CPU per extra token (${kind})`,
        figure: `${us(perToken(backchat))} (${ms(backchat.long.cpuMs)} per ${longTokens}-token turn)`,
        baseline: `${us(perToken(relay))} (${ms(relay.long.cpuMs)} per ${longTokens}-token turn)`,
        ratio: marginal,
        target: '≤ 1.2× the bare relay',
        pass: marginal <= 1.2,
        note: `(CPU of a ${longTokens}-token turn − a 1-token turn) / ${longTokens - 1}, ${size.longTurns} turns each; a ${longTokens}-token stream is ${kib(backchat)} from backchat, ${kib(relay)} from the relay`,
      },
    ];
  } finally {
    agent.destroy();
  }
}

async function rowsFor(kind: DatabaseKind, upstream: FakeUpstream, size: Sizes): Promise<BenchRow[]> {
  let backchat: Backchat | undefined;
  let relay: Child | undefined;
  try {
    progress(`relay (${kind}): starting backchat and the bare relay…`);
    backchat = await startBackchat(kind, upstream);
    relay = await startRelay(upstream);
    const sides = { backchat, relay, upstream, tokens: backchat.site.users.map((user) => user.token) };
    progress(`relay (${kind}): ${size.settle} turns through each server to settle them…`);
    const settled = await settle(sides, size);
    progress(`relay (${kind}): P1, ${size.rounds} rounds…`);
    const rows = [await firstToken(sides, size, kind)];
    progress(`relay (${kind}): P1b, ${size.bursts} burst(s) of ${burst}…`);
    rows.push(await manyStreams(sides, size, kind));
    progress(`relay (${kind}): P2, CPU per turn…`);
    rows.push(...(await cpuRows(sides, size, kind, settled)));
    return rows;
  } finally {
    await stopChild(relay);
    await stopBackchat(backchat);
  }
}

async function run(options: BenchOptions): Promise<BenchRow[]> {
  const size = sizes(options.quick);
  await buildServerIfStale();
  const upstream = await startFakeUpstream({ models: [model] });
  try {
    const rows = await rowsFor('sqlite', upstream, size);
    const unavailable = await postgresUnavailable();
    if (unavailable) progress(`relay: PostgreSQL skipped (${unavailable})`);
    else rows.push(...(await rowsFor('postgres', upstream, size)));
    return rows;
  } finally {
    await upstream.close();
  }
}

export const relayBench: Bench = {
  ids: ['P1', 'P1b', 'P2'],
  title: 'streaming relay: time to first token and CPU per turn against the model called directly',
  run,
};
