/**
 * Row P7 (docs/performance.md): what one `backchat serve` process costs to start and to keep running.
 * The server runs as its own process (dist/, SQLite, on 127.0.0.1, its model an OpenAI-compatible
 * provider pointed at the fake upstream of test/helpers/fake-upstream.ts running in this process).
 *
 * - Start to ready: from spawning `node dist/cli/main.js serve` to the first `GET /healthz` that answers
 *   200 (polled every few milliseconds), the median of several starts: on a new, empty data dir each time
 *   (the first start of an installation: it creates and migrates the database), and on a data dir holding
 *   100,000 conversations (a copy of bench/search.ts's cached SQLite file: the server writes at start —
 *   its secret, housekeeping, its presence row — so the cache itself is never opened). Baseline: a bare
 *   node:http server script spawned and polled the same way (Node's own start-up and the polling). The
 *   note adds the CPU time each process used until ready, which a busy machine distorts less.
 * - Idle RSS: VmRSS of /proc/<pid>/status after the server sat idle for a moment, on an empty data dir,
 *   against the bare server's.
 * - RSS per open stream: `streams` answers held open at once (the upstream sends its first chunk, then
 *   stalls), (RSS with them open − RSS before) / streams, against a bare node:http server holding as many
 *   open SSE responses. "Before" is after a few finished turns and a first round of as many streams
 *   opened and closed, so what the first ones load once (the tokenizer, lazily compiled code, the heap
 *   grown to its working size) is not counted per stream.
 */

import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { noLimits } from '../src/limits/limits-config.js';
import { type CliProcess, cleanEnv, cliEntry, freePort, startProcess } from '../test/helpers/cli-process.js';
import { type FakeUpstream, startFakeUpstream } from '../test/helpers/fake-upstream.js';
import { buildServerIfStale, createSite } from '../test/helpers/server-process.js';
import { sqliteData } from './search.js';
import { type Bench, type BenchOptions, type BenchRow, progress } from './suite/row.js';
import { nextTurnBody } from './suite/turn-body.js';

const model = 'fake-model';
const pollEveryMs = 2;
const readyTimeoutMs = 60_000;
/** How long a process sits idle before its RSS is read. */
const idleMs = 500;
const targetStartMs = 500;
const targetIdleMb = 90;
const targetPerStreamKb = 64;
/** The first chunk every held stream receives before the upstream stalls. */
const marker = 'Qk7';

interface Sizes {
  starts: number;
  streams: number;
}

function sizes(quick: boolean): Sizes {
  return quick ? { starts: 2, streams: 50 } : { starts: 5, streams: 200 };
}

// ---------------------------------------------------------------------------------------------------
// Processes: spawn, poll until ready, read RSS.

interface Running {
  process: CliProcess;
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first 200 from `/healthz`. */
  readyMs: number;
  /** CPU milliseconds the process used until then (less sensitive than `readyMs` to a busy machine). */
  cpuMs: number;
}

function healthzStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Spawns `args` (node + script args) with `port` free for it, and waits for `/healthz` to answer 200. */
async function spawnReady(args: string[], port: number, env: NodeJS.ProcessEnv, cwd?: string): Promise<Running> {
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = startProcess(args, { command: process.execPath, env, cwd });
  const exited = () => child.child.exitCode !== null || child.child.signalCode !== null;
  try {
    while ((await healthzStatus(url)) !== 200) {
      if (exited()) throw new Error(`${args.join(' ')} exited before it was ready:\n${child.output().stderr}`);
      if (performance.now() - started > readyTimeoutMs) throw new Error(`${url} not ready in ${readyTimeoutMs} ms`);
      await sleep(pollEveryMs);
    }
  } catch (error) {
    await stop(child);
    throw error;
  }
  const readyMs = performance.now() - started;
  const pid = child.child.pid as number;
  return { process: child, pid, url, readyMs, cpuMs: cpuMs(pid) };
}

async function stop(child: CliProcess | undefined): Promise<void> {
  if (!child) return;
  child.child.kill('SIGKILL');
  await child.exited(15_000).catch(() => {});
}

/** User + system CPU time of `pid` (/proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) / 1024;
}

async function idleRssMb(pid: number): Promise<number> {
  await sleep(idleMs);
  return rssMb(pid);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// ---------------------------------------------------------------------------------------------------
// The two kinds of process.

/** The bare server: answers `/healthz`, and holds any other request open as an SSE stream. */
const bareSource = `
const http = require('node:http');
const server = http.createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.write('data: ${marker}\\n\\n');
});
server.listen(Number(process.env.BARE_PORT), '127.0.0.1');
`;

async function startBare(): Promise<Running> {
  const port = await freePort();
  return spawnReady(['-e', bareSource], port, cleanEnv({ BARE_PORT: String(port) }));
}

interface Setup {
  upstream: FakeUpstream;
  /** A temp dir for data dirs and the config file (removed at the end). */
  root: string;
  /** A config file outside every data dir: the provider, no limits, telemetry off. */
  configFile: string;
}

function serverConfig(upstream: FakeUpstream) {
  return {
    providers: [{ type: 'openai-compatible', id: 'fake', baseUrl: upstream.url, models: [{ id: model }] }],
    limits: noLimits,
    telemetry: { enabled: false },
  };
}

async function startBackchat(setup: Setup, dataDir: string): Promise<Running> {
  const port = await freePort();
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir];
  const env = cleanEnv({ BACKCHAT_CONFIG: setup.configFile });
  return spawnReady([cliEntry, ...args], port, env, dataDir);
}

async function newDataDir(setup: Setup, name: string): Promise<string> {
  const dir = join(setup.root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------------
// Start to ready and idle RSS.

interface Starts {
  readyMs: number[];
  cpuMs: number[];
  idleMb: number;
}

/** `count` starts, each followed by `idleMb` read on the last one. */
async function timeStarts(count: number, start: (round: number) => Promise<Running>): Promise<Starts> {
  const readyMs: number[] = [];
  const cpu: number[] = [];
  let idleMb = Number.NaN;
  for (let round = 0; round < count; round++) {
    const running = await start(round);
    try {
      readyMs.push(running.readyMs);
      cpu.push(running.cpuMs);
      if (round === count - 1) idleMb = await idleRssMb(running.pid);
    } finally {
      await stop(running.process);
    }
  }
  return { readyMs, cpuMs: cpu, idleMb };
}

/** A writable copy of the cached 100,000-conversation database as a data dir's `backchat.sqlite`. */
async function bigDataDir(setup: Setup): Promise<string> {
  const data = await sqliteData();
  if (data.kind !== 'sqlite') throw new Error('expected the SQLite search data');
  const dir = await newDataDir(setup, 'big');
  await copyFile(data.file, join(dir, 'backchat.sqlite'));
  return dir;
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

function startRow(measure: string, subject: Starts, baseline: Starts, note: string): BenchRow {
  const figure = median(subject.readyMs);
  const base = median(baseline.readyMs);
  const cpu = `CPU to ready ${ms(median(subject.cpuMs))} median (bare ${ms(median(baseline.cpuMs))})`;
  return {
    id: 'P7',
    measure,
    figure: `${ms(figure)} median (${ms(Math.min(...subject.readyMs))}–${ms(Math.max(...subject.readyMs))})`,
    baseline: `${ms(base)} median`,
    ratio: figure / base,
    target: `≤ ${targetStartMs} ms`,
    pass: figure <= targetStartMs,
    note: `${note}; ${cpu}`,
  };
}

async function startRows(setup: Setup, size: Sizes): Promise<BenchRow[]> {
  progress('startup: warm-up start (file cache)…');
  await timeStarts(1, async () => startBackchat(setup, await newDataDir(setup, 'warm')));
  progress(`startup: ${size.starts} starts each, bare server and empty data dirs…`);
  const bare = await timeStarts(size.starts, startBare);
  const empty = await timeStarts(size.starts, async (round) =>
    startBackchat(setup, await newDataDir(setup, `empty-${round}`)),
  );
  progress('startup: copying the 100,000-conversation database…');
  const big = await bigDataDir(setup);
  progress(`startup: ${size.starts} starts on 100,000 conversations…`);
  const loaded = await timeStarts(size.starts, () => startBackchat(setup, big));
  const mb = (value: number) => `${value.toFixed(1)} MB`;
  return [
    startRow(
      'start to ready, empty data dir (SQLite)',
      empty,
      bare,
      'spawn → first 200 from /healthz; a new data dir each start (creates and migrates the database); baseline: bare node:http',
    ),
    startRow(
      'start to ready, 100,000 conversations (SQLite)',
      loaded,
      bare,
      `same, on a copy of the search bench's database (${mb(loaded.idleMb)} RSS idle)`,
    ),
    {
      id: 'P7',
      measure: 'idle RSS after start, empty data dir (SQLite)',
      figure: mb(empty.idleMb),
      baseline: mb(bare.idleMb),
      ratio: empty.idleMb / bare.idleMb,
      target: `≤ ${targetIdleMb} MB`,
      pass: empty.idleMb <= targetIdleMb,
      note: `VmRSS ${idleMs} ms after ready; baseline: bare node:http`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------
// RSS per open stream.

/** A request whose response stays open: resolves once `marker` arrived, with a way to close it. */
function openStream(url: string, body: unknown, token?: string): Promise<() => void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(token && { authorization: `Bearer ${token}` }),
        },
      },
      (response) => {
        let seen = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          seen += chunk;
          if (seen.includes(marker)) resolve(() => req.destroy());
        });
        response.on('end', () => reject(new Error(`${url} ended (${response.statusCode}) before ${marker}: ${seen}`)));
        response.on('error', () => {});
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`no ${marker} in 30 s from ${url}`)));
    req.end(payload);
  });
}

/** (RSS with `count` streams open − RSS before) / count, in KB. */
async function roundKb(pid: number, count: number, open: () => Promise<() => void>): Promise<number> {
  const before = await idleRssMb(pid);
  const closers = await Promise.allSettled(Array.from({ length: count }, open));
  try {
    const failed = closers.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return (((await idleRssMb(pid)) - before) * 1024) / count;
  } finally {
    for (const closer of closers) if (closer.status === 'fulfilled') closer.value();
  }
}

/** A round of `count` streams opened and closed, then the measured round. */
async function perStreamKb(pid: number, count: number, open: () => Promise<() => void>): Promise<number> {
  await roundKb(pid, count, open);
  return roundKb(pid, count, open);
}

async function backchatPerStream(setup: Setup, size: Sizes): Promise<number> {
  const site = await createSite('sqlite', { users: ['p7'], config: serverConfig(setup.upstream) });
  let server: Running | undefined;
  try {
    const token = site.users[0]?.token;
    const args = [cliEntry, 'serve', '--host', '127.0.0.1', '--port', String(site.port), '--data-dir', site.dataDir];
    server = await spawnReady(args, site.port, site.env, site.dataDir);
    const url = `${server.url}/backend-api/conversation`;
    setup.upstream.script({ kind: 'reply', text: `${marker} warm-up`, tokenDelayMs: 0 });
    for (let turn = 0; turn < 5; turn++) await (await openStream(url, nextTurnBody(model, 'Say something'), token))();
    setup.upstream.script({ kind: 'stall', text: `${marker} and the rest never comes`, afterChunks: 2 });
    return await perStreamKb(server.pid, size.streams, () =>
      openStream(url, nextTurnBody(model, 'Say something'), token),
    );
  } finally {
    await stop(server?.process);
    await site.drop();
  }
}

async function streamRow(setup: Setup, size: Sizes): Promise<BenchRow> {
  progress(`startup: RSS with ${size.streams} open streams, bare server…`);
  const bare = await startBare();
  let bareKb: number;
  try {
    bareKb = await perStreamKb(bare.pid, size.streams, () => openStream(bare.url, {}));
  } finally {
    await stop(bare.process);
  }
  progress(`startup: RSS with ${size.streams} open streams, backchat…`);
  const backchatKb = await backchatPerStream(setup, size);
  const kb = (value: number) => `${value.toFixed(1)} KB`;
  return {
    id: 'P7',
    measure: `RSS per open stream, ${size.streams} held open (SQLite)`,
    figure: kb(backchatKb),
    baseline: kb(bareKb),
    ratio: backchatKb / bareKb,
    target: `≤ ${targetPerStreamKb} KB`,
    pass: backchatKb <= targetPerStreamKb,
    note: `(RSS open − RSS before) / ${size.streams}, ${idleMs} ms settled, after a first round; baseline: bare node:http SSE server`,
  };
}

async function run(options: BenchOptions): Promise<BenchRow[]> {
  const size = sizes(options.quick);
  await buildServerIfStale();
  const upstream = await startFakeUpstream({ models: [model] });
  const root = await mkdtemp(join(tmpdir(), 'backchat-bench-startup-'));
  try {
    const configFile = join(root, 'backchat.config.json');
    await writeFile(configFile, JSON.stringify(serverConfig(upstream)));
    const setup = { upstream, root, configFile };
    const rows = await startRows(setup, size);
    rows.push(await streamRow(setup, size));
    return rows;
  } finally {
    await upstream.close();
    await rm(root, { recursive: true, force: true });
  }
}

export const startupBench: Bench = {
  ids: ['P7'],
  title: 'server start-up: start to ready, idle RSS and RSS per open stream',
  run,
};
