/**
 * The cancellation storm: several `backchat serve` processes (the built CLI) on one fresh PostgreSQL
 * database and one Redis prefix, each reaching PostgreSQL and Redis through its own fault proxy
 * (test/helpers/fault-proxy.ts: 0–20 ms per chunk, resets, bounded half-open stalls), with nginx (the
 * shipped config) round-robin in front. Many users, each with a canary of its own (`CANARY` + 32 hex) in
 * every title and message it writes, send a seeded random mix of operations — new and follow-up turns
 * (streamed, background or not), list, get, rename, stream_status, resume, stop, feedback, gen_title,
 * delete — to every instance directly and through nginx, and at least a quarter of them are cut by the
 * client at a random moment (an AbortController: after a few milliseconds, or after a few events of a
 * stream). This is the bug class of ChatGPT's March 2023 leak: a cancelled request leaving its reply on a
 * pooled Redis (or PostgreSQL) connection for the next request to read.
 *
 * Every byte received (also of a cut response) is scanned, and checked:
 * - no response ever carries another user's canary;
 * - no status ≥ 500 but a clean 503 (`{"detail": …}` with Retry-After, counted; allowed only while the
 *   faults are on) — a 500, a 502 or a 5xx that is not JSON is a failure;
 * - every complete JSON body has its endpoint's shape (errors: `{"detail"}`), every complete stream is
 *   JSON events ending with `[DONE]`, every request ends (a hang is a failure).
 * Afterwards the proxies are healed and, once the answers' leases could run out, the database holds
 * sound trees (T1–T7, test/helpers/tree-checker.ts, with every acknowledged user message present),
 * nothing is left `in_progress`, no foreign key is orphaned, every instance is ready, answers nothing
 * live, and lists each user only their own conversations — all without a single 503; and no stream lease
 * of the limits (in Redis) is still being renewed once every answer ended (a leaked one would hold one of
 * its user's concurrent answers for good).
 *
 * Users and their first conversations are written before the storm through the store and the
 * conversation service (not the CLI: one process per user would take minutes). Each target's keep-alive
 * pool is shared by every user, so one user's cut request is followed on the same socket by another's.
 *
 * The seed (BACKCHAT_STORM_SEED) replays the draws: the operations, the abort points, the faults (timing
 * stays real, so the interleaving is not replayed).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { AccountService } from '../../src/auth/account-service.js';
import { hashPassword } from '../../src/auth/password.js';
import { epochSeconds, systemClock } from '../../src/clock.js';
import { ConversationService } from '../../src/conversation/conversation-service.js';
import { newUserId, randomIds } from '../../src/ids.js';
import { conversationRequestSchema } from '../../src/protocol/requests.js';
import { resolveFor } from '../../src/providers/model-access.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { killAll } from '../helpers/cli-process.js';
import { type Cluster, describeWithCluster, startCluster } from '../helpers/cluster.js';
import { openHealthCheck } from '../helpers/db-health.js';
import type { FaultProxy } from '../helpers/fault-proxy.js';
import { type Nginx, startNginx } from '../helpers/nginx.js';
import { openTestRedis, type TestRedis } from '../helpers/redis.js';
import { chooseSeed, type SeededRandom, seededRandom } from '../helpers/seeded-random.js';
import { buildServerIfStale } from '../helpers/server-process.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { userMessage } from '../helpers/turns.js';

export interface StormOptions {
  /** Operations in the storm. */
  operations: number;
  /** Users, each with its own canary and personal access token (made through the store, not the CLI). */
  users: number;
  /** backchat instances (2 or 3). */
  instances: number;
  /** Operations in flight at once. */
  concurrency: number;
  /** Share of operations the client aborts (default 0.3). */
  abortShare?: number;
  /** BACKCHAT_DEMO_TOKEN_DELAY_MS (default 2: an answer of ≈ 250 tokens takes ≈ 0.5 s plus its writes). */
  tokenDelayMs?: number;
  /** The test's timeout (ms). */
  timeoutMs: number;
}

const leaseSeconds = 2;
const model = 'demo';
/** A request that has not ended after this long is a hang (the worst stall is 2.5 s, a query times out at 15 s). */
const requestTimeoutMs = 45_000;
/** The faults while the storm runs (per proxy; each draw from the proxy's seeded source). */
const stormFaults = {
  delayMs: { min: 0, max: 20 },
  /** Per chunk, either way: ≈ 1 % of round trips (a query and its reply, a command and its reply). */
  resetChunkChance: 0.005,
  /** A rare chunk stalls its connection (one direction or both, per proxy) for 0.1–1.5 s. */
  stallChunkChance: 0.0001,
  stallMs: { min: 100, max: 1_500 },
};
/**
 * Besides, every 3–8 s one proxy stops forwarding one direction on all its connections (half-open) for
 * 0.3–2.5 s: longer than Redis's 2 s command timeout at times.
 */
const globalStall = { everyMs: { min: 3_000, max: 8_000 }, forMs: { min: 300, max: 2_500 } };

const canaryPattern = /canary[0-9a-f]{32}/gi;

type Kind =
  | 'new'
  | 'follow-up'
  | 'list'
  | 'get'
  | 'rename'
  | 'stream_status'
  | 'resume'
  | 'stop'
  | 'feedback'
  | 'gen_title'
  | 'delete';

/**
 * [kind, weight]. Turns are a seventh (each streams ≈ 250 cumulative snapshots: most of the storm's CPU); the
 * rest read, change, resume and stop what they write.
 */
const operationWeights: ReadonlyArray<readonly [Kind, number]> = [
  ['new', 5],
  ['follow-up', 9],
  ['list', 15],
  ['get', 15],
  ['rename', 9],
  ['stream_status', 12],
  ['resume', 9],
  ['stop', 8],
  ['feedback', 7],
  ['gen_title', 6],
  ['delete', 5],
];

interface Chat {
  id: string;
  /** The newest answer this client saw: the parent of the next follow-up. */
  leaf: string | undefined;
  answers: string[];
  deleted: boolean;
  /** performance.now() of the newest turn sent in it (stop, resume and stream_status prefer recent ones). */
  lastTurnAt: number;
}

interface StormUser {
  index: number;
  id: string;
  token: string;
  /** Lower case, as matched. */
  canary: string;
  chats: Chat[];
  /** A number to make each title different. */
  renames: number;
}

/** Where a request goes: an instance directly, or nginx. */
interface Target {
  name: string;
  url: URL;
  agent: http.Agent;
}

/** When the client cuts the request: after a delay, or after a number of SSE events. */
type AbortPlan = { afterMs: number } | { afterEvents: number } | undefined;

interface Exchange {
  status: number | undefined;
  headers: http.IncomingHttpHeaders;
  /** Every byte received, also of a response the client cut. */
  text: string;
  /** The `data` of each unnamed SSE event, in order (streams only; pings are named and not JSON). */
  events: string[];
  /** The response ended normally. */
  complete: boolean;
  /** The client's abort cut the exchange before it was complete. */
  aborted: boolean;
  /** A failure that was not the client's abort (reset, cut body, timeout). */
  error: string | undefined;
  ms: number;
}

interface Request {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The `data` of every complete unnamed event of a backchat stream (`data: …` or `id: n` + `data: …`, a
 * blank line after each; pings are named): what follows the last blank line is an event cut off.
 */
function sseEvents(text: string): string[] {
  const blocks = text.split('\n\n');
  blocks.pop();
  const events: string[] = [];
  for (const block of blocks) {
    const lines = block.split('\n');
    if (lines.some((line) => line.startsWith('event:'))) continue;
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line[5] === ' ' ? 6 : 5));
    if (data.length > 0) events.push(data.join('\n'));
  }
  return events;
}

/** One exchange over `target`'s keep-alive pool (shared by every user); never rejects. */
function perform(target: Target, user: StormUser, request: Request, abort: AbortPlan): Promise<Exchange> {
  // The client's abort is an AbortController's, as a browser's fetch has: it cuts the connection.
  const controller = new AbortController();
  let abortedByClient = false;
  const started = performance.now();
  const chunks: Buffer[] = [];
  const exchange: Exchange = {
    status: undefined,
    headers: {},
    text: '',
    events: [],
    complete: false,
    aborted: false,
    error: undefined,
    ms: 0,
  };
  // Events are counted as they arrive (for an abort after the n-th) and parsed once, at the end.
  let separators = 0;
  let endedWithNewline = false;
  const countEvents = (chunk: Buffer) => {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) {
      if (at === 0 ? endedWithNewline : chunk[at - 1] === 10) separators++;
    }
    endedWithNewline = chunk[chunk.length - 1] === 10;
    if (abort && 'afterEvents' in abort && separators >= abort.afterEvents) controller.abort();
  };
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  return new Promise((resolve) => {
    let settled = false;
    let incoming: http.IncomingMessage | undefined;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(abortTimer);
      clearTimeout(deadline);
      exchange.text = Buffer.concat(chunks).toString('utf8');
      if (String(exchange.headers['content-type']).startsWith('text/event-stream')) {
        exchange.events = sseEvents(exchange.text);
      }
      exchange.aborted = abortedByClient && !exchange.complete;
      if (error && !exchange.aborted && !exchange.complete) exchange.error = `${error.name}: ${error.message}`;
      exchange.ms = performance.now() - started;
      resolve(exchange);
    };
    const outgoing = http.request(
      {
        agent: target.agent,
        host: target.url.hostname,
        port: target.url.port,
        path: request.path,
        method: request.method,
        headers: {
          authorization: `Bearer ${user.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...request.headers,
        },
      },
      (response) => {
        incoming = response;
        exchange.status = response.statusCode;
        exchange.headers = response.headers;
        const stream = String(response.headers['content-type']).startsWith('text/event-stream');
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (stream) countEvents(chunk);
        });
        response.on('end', () => {
          if (settled) return;
          exchange.complete = response.complete;
          settle();
        });
        response.on('error', settle);
        response.on('close', () => settle(response.complete ? undefined : new Error('the response was cut off')));
      },
    );
    outgoing.on('error', settle);
    // Not once the whole response arrived: its socket may already serve another request (keep-alive),
    // which destroying this request would cut (and its error could reach no listener).
    controller.signal.addEventListener('abort', () => {
      if (settled || incoming?.complete) return;
      abortedByClient = true;
      outgoing.destroy(new Error('aborted by the client'));
    });
    const abortTimer = abort && 'afterMs' in abort ? setTimeout(() => controller.abort(), abort.afterMs) : undefined;
    const deadline = setTimeout(
      () => outgoing.destroy(new Error(`no complete response within ${requestTimeoutMs} ms`)),
      requestTimeoutMs,
    );
    outgoing.end(body);
  });
}

/** Figures of a storm (and of the checks after it). */
export interface StormReport {
  seed: number;
  operations: number;
  byKind: Record<string, number>;
  /** Operations the client planned to abort, and those its abort actually cut. */
  abortsPlanned: number;
  abortsEffective: number;
  /** Of the cut ones: cut after the response had started (status received), e.g. mid-stream. */
  abortsMidResponse: number;
  statuses: Record<string, number>;
  /** Clean 503s (`{"detail"}` + Retry-After) while the faults were on. */
  unavailable: number;
  /** Streams (200) carrying an in-stream error event: the answer broke on the server's side. */
  inStreamErrors: number;
  /** Own canaries seen (the scan had something to find) and foreign ones (must be 0). */
  ownCanaries: number;
  foreignCanaries: number;
  bytesScanned: number;
  /** Injected by the proxies: resets and stalls (random ones and the global half-open ones). */
  resets: number;
  stalls: number;
  acknowledged: number;
  durationMs: number;
  /** Per kind, not aborted: median / 99th percentile / max ms. */
  latency: Record<string, string>;
  /** After healing: until nothing was `in_progress`. */
  settleMs: number;
  /**
   * The limits' stream leases (answers being written per user) still in Redis once every answer ended
   * (their release failed: they run out within a minute), and those of them still being renewed (leaked).
   */
  leftStreamLeases: number;
  leakedStreamLeases: number;
  /** Requests of the check after healing (lists, stream_status) and their failures. */
  verifyRequests: number;
  /** The first 200 failures, their number, and how many of each kind. */
  failures: string[];
  failureCount: number;
  failureKinds: Record<string, number>;
}

class Tally {
  readonly report: StormReport;
  readonly acknowledged: Array<{ conversationId: string; messageId: string }> = [];
  private readonly times = new Map<string, number[]>();
  private readonly owners: Map<string, number>;

  constructor(seed: number, users: StormUser[]) {
    this.owners = new Map(users.map((user) => [user.canary, user.index]));
    this.report = {
      seed,
      operations: 0,
      byKind: {},
      abortsPlanned: 0,
      abortsEffective: 0,
      abortsMidResponse: 0,
      statuses: {},
      unavailable: 0,
      inStreamErrors: 0,
      ownCanaries: 0,
      foreignCanaries: 0,
      bytesScanned: 0,
      resets: 0,
      stalls: 0,
      acknowledged: 0,
      durationMs: 0,
      latency: {},
      settleMs: 0,
      leftStreamLeases: 0,
      leakedStreamLeases: 0,
      verifyRequests: 0,
      failures: [],
      failureKinds: {},
      failureCount: 0,
    };
  }

  /** Records a failure; `kind` groups it in the report (default: the line up to its first colon, ids blanked). */
  fail(line: string, kind = line.split(':')[0] ?? line): void {
    const group = kind.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…').replace(/\d+ (ms|events|bytes|s)\b/g, 'n $1');
    this.report.failureKinds[group] = (this.report.failureKinds[group] ?? 0) + 1;
    this.report.failureCount++;
    // The first 200 are kept whole; the count goes on.
    if (this.report.failures.length < 200) this.report.failures.push(line);
  }

  /** Scans every byte for canaries: the user's own are counted, any other is a failure. */
  scan(user: StormUser, what: string, exchange: Exchange): void {
    this.report.bytesScanned += exchange.text.length;
    for (const [match] of exchange.text.matchAll(canaryPattern)) {
      const canary = match.toLowerCase();
      if (canary === user.canary) {
        this.report.ownCanaries++;
        continue;
      }
      this.report.foreignCanaries++;
      const owner = this.owners.get(canary);
      const at = exchange.text.toLowerCase().indexOf(canary);
      this.fail(
        `FOREIGN CANARY: ${what} by user ${user.index} received ${canary} of ${owner === undefined ? 'nobody' : `user ${owner}`} (status ${exchange.status}, aborted ${exchange.aborted}): …${exchange.text.slice(Math.max(0, at - 200), at + 100)}…`,
      );
    }
  }

  count(kind: Kind, exchange: Exchange, abortPlanned: boolean): void {
    const { report } = this;
    report.operations++;
    report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
    const status =
      exchange.status === undefined ? (exchange.aborted ? 'cut before a status' : 'none') : exchange.status;
    report.statuses[status] = (report.statuses[status] ?? 0) + 1;
    if (abortPlanned) report.abortsPlanned++;
    if (exchange.aborted) {
      report.abortsEffective++;
      if (exchange.status !== undefined) report.abortsMidResponse++;
      return;
    }
    const times = this.times.get(kind) ?? [];
    times.push(exchange.ms);
    this.times.set(kind, times);
  }

  finish(durationMs: number): void {
    this.report.durationMs = Math.round(durationMs);
    this.report.acknowledged = this.acknowledged.length;
    for (const [kind, times] of [...this.times].sort()) {
      const sorted = times.sort((a, b) => a - b);
      const at = (share: number) =>
        Math.round(sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0);
      this.report.latency[kind] = `${at(0.5)}/${at(0.99)}/${Math.round(sorted.at(-1) ?? 0)}`;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with a complete JSON body of `kind` (200), or undefined when it has the endpoint's shape. */
function shapeProblem(kind: Kind, json: unknown, request: { chat?: Chat; messageId?: string }): string | undefined {
  if (!isObject(json)) return 'not a JSON object';
  const { chat } = request;
  switch (kind) {
    case 'list': {
      const items = json.items;
      if (!Array.isArray(items) || typeof json.total !== 'number' || typeof json.limit !== 'number') {
        return 'not {items, total, limit, …}';
      }
      const bad = items.find(
        (item) => !isObject(item) || typeof item.id !== 'string' || typeof item.title !== 'string',
      );
      return bad === undefined ? undefined : `a listed item is not {id, title, …}: ${JSON.stringify(bad)}`;
    }
    case 'get': {
      if (json.conversation_id !== chat?.id)
        return `conversation_id ${String(json.conversation_id)}, asked ${chat?.id}`;
      if (!isObject(json.mapping) || typeof json.title !== 'string') return 'not {title, mapping, …}';
      if (typeof json.current_node !== 'string' || !(json.current_node in json.mapping)) {
        return `current_node ${String(json.current_node)} is not in its mapping`;
      }
      return undefined;
    }
    case 'rename':
    case 'delete':
      return json.success === true && Object.keys(json).length === 1 ? undefined : 'not {"success": true}';
    case 'stop':
      return json.success === true && typeof json.stopped === 'boolean' ? undefined : 'not {success, stopped}';
    case 'stream_status':
      if (json.status === 'IS_NOT_STREAMING') return undefined;
      return json.status === 'IS_STREAMING' &&
        typeof json.message_id === 'string' &&
        typeof json.last_event_id === 'number'
        ? undefined
        : 'not {status, message_id, last_event_id}';
    case 'feedback':
      return json.conversation_id === chat?.id &&
        json.message_id === request.messageId &&
        typeof json.rating === 'string'
        ? undefined
        : `not the feedback asked for (${chat?.id}, ${request.messageId})`;
    case 'gen_title':
      return typeof json.title === 'string' || typeof json.message === 'string'
        ? undefined
        : 'not {title} or {message}';
    default:
      return `a JSON body for ${kind}`;
  }
}

/** What a stream's events say: problems, the conversation, the answer, whether it ended with `[DONE]`. */
function readStream(events: string[], expectedConversation: string | undefined) {
  const problems: string[] = [];
  let conversationId = expectedConversation;
  let answerId: string | undefined;
  let done = false;
  let errors = 0;
  for (const data of events) {
    if (done) problems.push(`an event after [DONE]: ${data.slice(0, 100)}`);
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    const payload = parseJson(data);
    if (!isObject(payload)) {
      problems.push(`an event that is not a JSON object: ${data.slice(0, 100)}`);
      continue;
    }
    if (typeof payload.conversation_id === 'string') {
      conversationId ??= payload.conversation_id;
      if (payload.conversation_id !== conversationId) {
        problems.push(`an event of conversation ${payload.conversation_id} in a stream of ${conversationId}`);
      }
    }
    if (typeof payload.error === 'string') errors++;
    const message = payload.message;
    if (isObject(message)) {
      const role = isObject(message.author) ? message.author.role : undefined;
      if (role !== 'assistant') problems.push(`a streamed message of role ${String(role)}`);
      if (typeof message.id === 'string') answerId = message.id;
    }
  }
  return { problems, conversationId, answerId, done, errors };
}

interface Operation {
  kind: Kind;
  user: StormUser;
  target: Target;
  chat?: Chat;
  messageId?: string;
  request: Request;
  abort: AbortPlan;
  /** A turn's user message, acknowledged by its stream's first event. */
  sends?: string;
  background?: boolean;
}

/** Statuses a complete response of `kind` may have besides 200 and a clean 503. */
function allowedStatus(kind: Kind, status: number): boolean {
  if (status === 200) return true;
  // A conversation deleted meanwhile (another operation of its user), no live answer to resume, a
  // message not (any more) in its conversation.
  if (status === 404) return kind !== 'new' && kind !== 'list';
  // The limit on answers being written at once (a storm of background answers reaches it).
  if (status === 429) return kind === 'new' || kind === 'follow-up';
  return false;
}

/** The storm's client side: draws operations, sends them, judges every response. */
class StormClient {
  private stormOver = false;

  constructor(
    private readonly users: StormUser[],
    private readonly targets: Target[],
    private readonly tally: Tally,
    private readonly abortShare: number,
    /** Called when a request did not end in time (to look at the database while it hangs). */
    private readonly onHang: (what: string) => void = () => {},
  ) {}

  private drawKind(random: SeededRandom): Kind {
    const total = operationWeights.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = random.next() * total;
    for (const [kind, weight] of operationWeights) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'list';
  }

  /** A chat of the user: mostly one with a recent turn for stop / resume / stream_status. */
  private pickChat(random: SeededRandom, user: StormUser, recent: boolean): Chat | undefined {
    const chats = user.chats.filter((chat) => !chat.deleted);
    if (chats.length === 0) return undefined;
    if (recent) {
      const now = performance.now();
      const live = chats.filter((chat) => now - chat.lastTurnAt < 3_000);
      if (live.length > 0 && random.chance(0.8)) return random.pick(live);
    }
    return random.pick(chats);
  }

  private abortPlan(random: SeededRandom, kind: Kind): AbortPlan {
    if (!random.chance(this.abortShare)) return undefined;
    const streams = kind === 'new' || kind === 'follow-up' || kind === 'resume';
    if (streams && random.chance(0.5)) return { afterEvents: random.between(1, 40) };
    // Most plain requests take 10–80 ms through the proxies: this cuts many of them mid-flight.
    return { afterMs: streams ? random.between(0, 400) : random.between(0, 60) };
  }

  draw(random: SeededRandom): Operation {
    const user = random.pick(this.users);
    const target = random.pick(this.targets);
    let kind = this.drawKind(random);
    const chat = this.pickChat(random, user, kind === 'stop' || kind === 'resume' || kind === 'stream_status');
    if (!chat) kind = 'new';
    if (kind === 'delete' && user.chats.filter((c) => !c.deleted).length < 3) kind = 'list';
    const abort = this.abortPlan(random, kind);
    const base = { kind, user, target, chat, abort };
    const path = chat ? `/backend-api/conversation/${chat.id}` : '';
    switch (kind) {
      case 'new':
      case 'follow-up': {
        const text = `${user.canary.toUpperCase()} asks (${random.int(1000)}): tell me about step ${random.int(10_000)}`;
        const follow = kind === 'follow-up' && chat?.leaf !== undefined ? chat : undefined;
        return { ...this.turn(random, user, follow, text, random.chance(0.4)), target, abort };
      }
      case 'list':
        return {
          ...base,
          request: { method: 'GET', path: `/backend-api/conversations?offset=0&limit=${random.pick([28, 100])}` },
        };
      case 'get':
        return { ...base, request: { method: 'GET', path } };
      case 'rename':
        return {
          ...base,
          request: { method: 'PATCH', path, body: { title: `Title ${user.canary.toUpperCase()} #${++user.renames}` } },
        };
      case 'stream_status':
        return { ...base, request: { method: 'GET', path: `${path}/stream_status` } };
      case 'resume': {
        const offset = random.int(4);
        if (random.chance(0.5)) {
          const headers: Record<string, string> = offset > 0 ? { 'last-event-id': String(offset) } : {};
          return { ...base, request: { method: 'GET', path: `${path}/stream`, headers } };
        }
        const body = { conversation_id: chat?.id, offset };
        return { ...base, request: { method: 'POST', path: '/backend-api/conversation/resume', body } };
      }
      case 'stop':
        return { ...base, request: { method: 'POST', path: `${path}/stop` } };
      case 'feedback': {
        const messageId = chat && chat.answers.length > 0 ? random.pick(chat.answers) : undefined;
        if (!messageId) return { ...base, kind: 'get', request: { method: 'GET', path } };
        const body = {
          message_id: messageId,
          conversation_id: chat?.id,
          rating: random.pick(['thumbsUp', 'thumbsDown']),
          text: `Feedback ${user.canary.toUpperCase()}`,
        };
        return {
          ...base,
          messageId,
          request: { method: 'POST', path: '/backend-api/conversation/message_feedback', body },
        };
      }
      case 'gen_title': {
        const messageId = chat && chat.answers.length > 0 ? random.pick(chat.answers) : undefined;
        return {
          ...base,
          request: {
            method: 'POST',
            path: `/backend-api/conversation/gen_title/${chat?.id}`,
            body: messageId ? { message_id: messageId } : {},
          },
        };
      }
      case 'delete':
        return { ...base, request: { method: 'DELETE', path } };
    }
  }

  /** A `next` turn: in `chat` under its newest answer, or a new chat. */
  turn(random: SeededRandom, user: StormUser, chat: Chat | undefined, text: string, background: boolean): Operation {
    const messageId = random.uuid();
    const body = {
      action: 'next',
      messages: [userMessage(text, messageId)],
      parent_message_id: chat?.leaf ?? random.uuid(),
      ...(chat && { conversation_id: chat.id }),
      model,
      timezone_offset_min: 0,
      history_and_training_disabled: false,
    };
    const headers: Record<string, string> = background ? { 'x-backchat-background': '1' } : {};
    return {
      kind: chat ? 'follow-up' : 'new',
      user,
      target: random.pick(this.targets),
      chat,
      abort: undefined,
      sends: messageId,
      background,
      request: { method: 'POST', path: '/backend-api/conversation', body, headers },
    };
  }

  async run(operation: Operation): Promise<Exchange> {
    const { kind, user, chat } = operation;
    const what = `${kind} via ${operation.target.name} ${operation.request.method} ${operation.request.path}`;
    if (operation.sends && chat) chat.lastTurnAt = performance.now();
    // A deleted chat is not used again, whether or not the delete went through.
    if (kind === 'delete' && chat) chat.deleted = true;
    const exchange = await perform(operation.target, user, operation.request, operation.abort);
    this.tally.scan(user, what, exchange);
    this.tally.count(kind, exchange, operation.abort !== undefined);
    this.judge(operation, exchange, what);
    return exchange;
  }

  /** Marks the end of the storm's faults: from now on a 503 is a failure too. */
  faultsOff(): void {
    this.stormOver = true;
  }

  private judge(operation: Operation, exchange: Exchange, what: string): void {
    const { kind, user } = operation;
    const via = operation.target.name === 'nginx' ? 'via nginx' : 'direct';
    const fail = (why: string) =>
      this.tally.fail(
        `${what} (user ${user.index}, ${exchange.aborted ? 'aborted' : 'not aborted'}, ${Math.round(exchange.ms)} ms): ${why}`,
        `${kind} ${via}: ${why.split(':')[0]}`,
      );
    const { status } = exchange;
    const stream = String(exchange.headers['content-type']).startsWith('text/event-stream');
    if (status !== undefined && stream && status === 200) {
      this.learn(operation, exchange);
    }
    if (exchange.error !== undefined) {
      const conversation = readStream(exchange.events, operation.chat?.id).conversationId;
      fail(
        `no complete response: ${exchange.error} (status ${status}, ${exchange.text.length} bytes, ${exchange.events.length} events, conversation ${conversation})`,
      );
      if (exchange.error.includes('no complete response within')) this.onHang(what);
      return;
    }
    if (status === undefined) return; // cut by the client before a response came
    if (status >= 500) {
      const json = exchange.complete ? parseJson(exchange.text) : undefined;
      const clean =
        status === 503 &&
        (!exchange.complete || (isObject(json) && 'detail' in json)) &&
        Number(exchange.headers['retry-after']) >= 1;
      if (clean && !this.stormOver) {
        this.tally.report.unavailable++;
        return;
      }
      fail(`status ${status}${clean ? ' after the faults were healed' : ''}: ${exchange.text.slice(0, 300)}`);
      return;
    }
    if (!allowedStatus(kind, status)) {
      fail(`unexpected status ${status}: ${exchange.text.slice(0, 300)}`);
      return;
    }
    if (!exchange.complete) return; // cut by the client: its bytes were scanned, its shape is partial
    if (status !== 200) {
      const json = parseJson(exchange.text);
      if (!isObject(json) || !('detail' in json))
        fail(`status ${status} without {"detail"}: ${exchange.text.slice(0, 300)}`);
      if (status === 429 && !(Number(exchange.headers['retry-after']) >= 1)) fail('a 429 without Retry-After');
      return;
    }
    const streaming = kind === 'new' || kind === 'follow-up' || kind === 'resume';
    if (streaming) {
      if (!stream) {
        fail(`a 200 that is not an event stream: ${exchange.text.slice(0, 300)}`);
        return;
      }
      const read = readStream(exchange.events, operation.chat?.id);
      for (const problem of read.problems) fail(problem);
      if (!read.done) fail(`a complete stream without [DONE] (${exchange.events.length} events)`);
      if (read.errors > 0) this.tally.report.inStreamErrors++;
      return;
    }
    const problem = shapeProblem(kind, parseJson(exchange.text), operation);
    if (problem) fail(`${problem}: ${exchange.text.slice(0, 300)}`);
  }

  /** What a stream taught the client: the chat of a new turn, its answer, the acknowledged user message. */
  private learn(operation: Operation, exchange: Exchange): void {
    const read = readStream(exchange.events, operation.chat?.id);
    if (!read.conversationId) return;
    let chat = operation.chat;
    if (!chat && operation.kind === 'new') {
      chat = { id: read.conversationId, leaf: undefined, answers: [], deleted: false, lastTurnAt: performance.now() };
      operation.user.chats.push(chat);
    }
    if (!chat) return;
    if (operation.sends && exchange.events.length > 0) {
      this.tally.acknowledged.push({ conversationId: chat.id, messageId: operation.sends });
    }
    if (read.answerId && operation.sends) {
      chat.leaf = read.answerId;
      if (!chat.answers.includes(read.answerId)) chat.answers.push(read.answerId);
    }
  }
}

/** How many conversations each user has before the storm (made in this process, through the service layer). */
const seededConversationsPerUser = 2;

/**
 * Users with a canary and a personal access token each, written through the store (one password hash for
 * all), and their first conversations — a turn whose message carries the canary, answered by the demo
 * model at full speed, and a title with the canary — made through the conversation service on the same
 * database: what the instances then serve is data they did not write themselves.
 */
async function createUsers(
  cluster: Cluster,
  count: number,
  random: SeededRandom,
): Promise<{ users: StormUser[]; seededMessages: Array<{ conversationId: string; messageId: string }> }> {
  const store = await openStore(cluster.site.database);
  try {
    const passwordHash = await hashPassword('storm user long password');
    const accounts = new AccountService({ store, clock: systemClock, ids: randomIds });
    const providers = await createProviderRegistry(
      { providers: [{ type: 'demo', id: model }], modelAliases: {}, defaultModel: undefined, detectOllama: false },
      { demoTokenDelayMs: 0 },
    );
    const served = resolveFor(providers, model, null);
    const conversations = new ConversationService({
      store,
      providers,
      clock: systemClock,
      ids: randomIds,
      instanceId: randomIds.uuid(),
      leaseMs: leaseSeconds * 1000,
    });
    const createTime = epochSeconds(new Date());
    const seededMessages: Array<{ conversationId: string; messageId: string }> = [];
    const users: StormUser[] = Array.from({ length: count }, (_, index) => ({
      index,
      id: newUserId(randomIds),
      token: '',
      canary: `canary${random.uuid().replaceAll('-', '')}`,
      chats: [],
      renames: 0,
    }));
    const seedChat = async (user: StormUser, n: number) => {
      const messageId = randomIds.uuid();
      const text = `${user.canary.toUpperCase()}: remember this (${n})`;
      const body = conversationRequestSchema.parse({
        action: 'next',
        messages: [userMessage(text, messageId)],
        parent_message_id: randomIds.uuid(),
        model,
      });
      const start = await conversations.startTurn(user.id, body, served, {
        startMs: performance.now(),
        requestId: null,
      });
      if (start.kind !== 'new') throw new Error('a seeded turn was taken for a retry');
      let answerId: string | undefined;
      for await (const event of start.turn.events(new AbortController().signal)) {
        if (event.type !== 'progress') answerId = event.message.id;
      }
      const conversationId = start.turn.plan.conversation.id;
      await conversations.patch(user.id, conversationId, { title: `Title ${user.canary.toUpperCase()} (${n})` });
      seededMessages.push({ conversationId, messageId });
      user.chats.push({
        id: conversationId,
        leaf: answerId,
        answers: answerId ? [answerId] : [],
        deleted: false,
        lastTurnAt: 0,
      });
    };
    for (let first = 0; first < count; first += 16) {
      await Promise.all(
        users.slice(first, first + 16).map(async (user) => {
          const email = `storm${user.index}@example.com`;
          await store.createUser({
            id: user.id,
            email,
            name: `storm${user.index}`,
            passwordHash,
            role: 'user',
            createTime,
          });
          user.token = (await accounts.createToken(user.id, 'storm', null)).token;
          for (let n = 1; n <= seededConversationsPerUser; n++) await seedChat(user, n);
        }),
      );
    }
    return { users, seededMessages };
  } finally {
    await store.close();
  }
}

/** CPU seconds a process used so far (Linux /proc; 0 where it cannot be read). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by every process named `command` and the children they reaped (PostgreSQL's
 * backends, once their connection ended, count in the postmaster's), all users of the service included.
 */
function serviceCpuSeconds(command: string): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== command) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

/** CPU seconds of the whole machine so far (every core, every process; Linux /proc/stat). */
function machineCpuSeconds(): number {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const ticks = (cpu ?? '').split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    return ticks.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0) / 100;
  } catch {
    return 0;
  }
}

/** The test database's sessions (every instance's pool), for a report of what a hung request waited on. */
async function databaseActivity(cluster: Cluster): Promise<string[]> {
  const { db } = await openDatabase(cluster.site.database);
  try {
    const { rows } = await sql<Record<string, unknown>>`
      select pid, state, wait_event_type, wait_event, backend_type,
        round(extract(epoch from now() - xact_start)::numeric, 1) as xact_s,
        round(extract(epoch from now() - query_start)::numeric, 1) as query_s, left(query, 160) as query
      from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
      order by xact_start nulls last`.execute(db);
    return rows.map((row) => JSON.stringify(row));
  } finally {
    await db.destroy();
  }
}

/** How often a held stream lease of the limits is renewed (a third of its 60 s life, src/limits/stream-leases.ts). */
const leaseRenewalMs = 20_000;

/** Every stream lease of the users in Redis (`user/lease id` → its expiry, epoch ms). */
async function streamLeases(redis: TestRedis, users: StormUser[]): Promise<Map<string, number>> {
  const leases = new Map<string, number>();
  for (const user of users) {
    const flat = await redis.admin.zrange(`${redis.prefix}limits:lease:streams:${user.id}`, '0', '-1', 'WITHSCORES');
    for (let at = 0; at + 1 < flat.length; at += 2) leases.set(`user ${user.index}/${flat[at]}`, Number(flat[at + 1]));
  }
  return leases;
}

/** Runs `work` for every item, `concurrency` at a time. */
async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Without faults: every user lists only their own conversations, and nothing answers as live. */
async function checkWithoutFaults(
  users: StormUser[],
  targets: Target[],
  tally: Tally,
  concurrency: number,
  random: SeededRandom,
): Promise<void> {
  const checks: Array<{ user: StormUser; kind: 'list' | 'stream_status'; chat?: Chat }> = users.flatMap((user) => [
    { user, kind: 'list' as const },
    ...user.chats.filter((chat) => !chat.deleted).map((chat) => ({ user, kind: 'stream_status' as const, chat })),
  ]);
  await inParallel(checks, concurrency, async (check) => {
    const target = random.pick(targets);
    const path =
      check.kind === 'list'
        ? '/backend-api/conversations?offset=0&limit=100'
        : `/backend-api/conversation/${check.chat?.id}/stream_status`;
    const exchange = await perform(target, check.user, { method: 'GET', path }, undefined);
    tally.report.verifyRequests++;
    tally.scan(check.user, `after the storm: ${check.kind} via ${target.name} ${path}`, exchange);
    const json = parseJson(exchange.text);
    const where = `after the storm: ${check.kind} of user ${check.user.index} via ${target.name}`;
    if (exchange.status !== 200) tally.fail(`${where}: status ${exchange.status} ${exchange.text.slice(0, 200)}`);
    else if (check.kind === 'stream_status' && (!isObject(json) || json.status !== 'IS_NOT_STREAMING')) {
      tally.fail(`${where}: still streaming? ${exchange.text.slice(0, 200)}`);
    } else if (check.kind === 'list' && isObject(json) && Array.isArray(json.items)) {
      // A conversation whose turn was cut before its first event is not known to the client: it must
      // still be this user's (its first message carries the user's canary).
      const known = new Set(check.user.chats.map((chat) => chat.id));
      for (const item of json.items as Array<{ id: string }>) {
        if (known.has(item.id)) continue;
        const path = `/backend-api/conversation/${item.id}`;
        const unknown = await perform(target, check.user, { method: 'GET', path }, undefined);
        tally.report.verifyRequests++;
        tally.scan(check.user, `after the storm: get via ${target.name} ${path}`, unknown);
        if (unknown.status !== 200 || !unknown.text.toLowerCase().includes(check.user.canary)) {
          tally.fail(`${where}: lists ${item.id}, which is not this user's: ${unknown.text.slice(0, 200)}`);
        }
      }
    }
  });
}

/** nginx's error log, summed up by message (e.g. `no live upstreams`), and a few of those lines whole. */
async function nginxErrors(nginx: Nginx): Promise<string[]> {
  const errors = (await nginx.errorLog()).split('\n').filter((line) => /\[(error|warn)\]/.test(line));
  const kinds = new Map<string, number>();
  for (const line of errors) {
    const what = /\] \d+#\d+: (?:\*\d+ )?([^,(]+)/.exec(line)?.[1]?.trim() ?? line;
    kinds.set(what, (kinds.get(what) ?? 0) + 1);
  }
  const noUpstream = errors.filter((line) => line.includes('no live upstreams')).slice(0, 3);
  return [
    `nginx error log: ${JSON.stringify(Object.fromEntries(kinds))}`,
    ...noUpstream.map((line) => `nginx: ${line}`),
  ];
}

/** Every proxy of the cluster (PostgreSQL and Redis, per instance). */
function proxiesOf(cluster: Cluster): FaultProxy[] {
  return cluster.instances.flatMap((instance) =>
    [instance.postgresProxy, instance.redisProxy].filter((proxy): proxy is FaultProxy => proxy !== undefined),
  );
}

/** Turns the storm's faults on; the returned function turns them off and heals every stall. */
function startFaults(proxies: FaultProxy[], random: SeededRandom): () => Promise<void> {
  for (const proxy of proxies) {
    proxy.configure({ ...stormFaults, stallDirection: random.pick(['to-client', 'to-target', 'both'] as const) });
  }
  const stop = new AbortController();
  const stalls = (async () => {
    while (!stop.signal.aborted) {
      const wait = random.between(globalStall.everyMs.min, globalStall.everyMs.max);
      if ((await sleep(wait, false, { signal: stop.signal }).catch(() => true)) === true) break;
      random.pick(proxies).stall({
        direction: random.pick(['to-client', 'to-target'] as const),
        ms: random.between(globalStall.forMs.min, globalStall.forMs.max),
      });
    }
  })();
  return async () => {
    stop.abort();
    await stalls;
    for (const proxy of proxies) {
      proxy.configure({ delayMs: undefined, resetChunkChance: 0, stallChunkChance: 0 });
      proxy.heal();
    }
  };
}

function summaryLine(report: StormReport): string {
  const seconds = report.durationMs / 1000;
  const abortedShare = (100 * report.abortsPlanned) / Math.max(1, report.operations);
  return (
    `storm: ${report.operations} operations in ${seconds.toFixed(1)} s (${(report.operations / seconds).toFixed(0)} ops/s), ` +
    `aborted ${report.abortsPlanned} (${abortedShare.toFixed(1)} %; ${report.abortsEffective} cut mid-flight, ${report.abortsMidResponse} after the response began), ` +
    `503s ${report.unavailable}, in-stream errors ${report.inStreamErrors}, resets ${report.resets}, stalls ${report.stalls}, ` +
    `foreign canaries ${report.foreignCanaries} (own ${report.ownCanaries}, ${(report.bytesScanned / 1e6).toFixed(0)} MB scanned), ` +
    `acknowledged turns ${report.acknowledged}, stream leases left ${report.leftStreamLeases} (leaked ${report.leakedStreamLeases}), settled ${report.settleMs} ms after healing, failures ${report.failureCount}, seed ${report.seed}`
  );
}

export function registerCancellationStorm(options: StormOptions): void {
  const seed = chooseSeed('BACKCHAT_STORM_SEED');
  const title = `cancellation storm: ${options.instances} instances behind fault proxies, ${options.users} users, ${options.operations} operations`;

  describeWithCluster(title, { nginx: true }, () => {
    let redis: TestRedis;
    let cluster: Cluster;
    let nginx: Nginx;
    const agents: http.Agent[] = [];

    before(
      async () => {
        await buildServerIfStale();
        redis = await openTestRedis();
        cluster = await startStormCluster(redis, options, seed);
        nginx = await startNginx({ upstreamPorts: cluster.instances.map((instance) => instance.port) });
      },
      { timeout: 300_000 },
    );

    after(
      async () => {
        // Each step bounded, so that a stuck one cannot keep the others (and Redis's clean-up) from running.
        const step = async (name: string, work: () => Promise<unknown> | undefined) => {
          const begun = performance.now();
          await withTimeout(Promise.resolve(work()), 20_000, `clean-up: ${name}`).catch((error: Error) =>
            console.log(error.message),
          );
          if (performance.now() - begun > 5_000)
            console.log(`clean-up: ${name} took ${Math.round(performance.now() - begun)} ms`);
        };
        for (const agent of agents) agent.destroy();
        await step('nginx', () => nginx?.stop());
        for (const instance of cluster?.instances ?? [])
          await step(`instance ${instance.index + 1}`, () => cluster.kill(instance.index));
        for (const proxy of cluster ? proxiesOf(cluster) : [])
          await step(`proxy ${proxy.address}`, () => proxy.close());
        await step('database', () => cluster?.close());
        await step('redis', () => redis?.close());
        killAll();
      },
      { timeout: 60_000 },
    );

    test(`no foreign canary, no 5xx but clean 503s, sound trees afterwards (seed ${seed})`, {
      timeout: options.timeoutMs,
    }, async (t) => {
      t.diagnostic(`seed ${seed} (replay the draws with BACKCHAT_STORM_SEED=${seed})`);
      const random = seededRandom(seed);
      const phases: string[] = [];
      let phaseStart = performance.now();
      const phase = (name: string) => {
        phases.push(`${name} ${((performance.now() - phaseStart) / 1000).toFixed(1)} s`);
        phaseStart = performance.now();
      };
      const { users, seededMessages } = await createUsers(cluster, options.users, random.fork());
      phase('users and their first conversations');
      const pool = () => {
        // A small pool per target, shared by every user: sockets go from one user's request to another's.
        const agent = new http.Agent({ keepAlive: true, maxSockets: Math.ceil(options.concurrency / 2) });
        agents.push(agent);
        return agent;
      };
      const targets: Target[] = [
        ...cluster.instances.map((instance) => ({
          name: `instance ${instance.index + 1}`,
          url: new URL(instance.url),
          agent: pool(),
        })),
        { name: 'nginx', url: new URL(nginx.url), agent: pool() },
      ];
      const tally = new Tally(seed, users);
      const diagnostics: string[] = [];
      let looked = false;
      const lookAtHang = (what: string) => {
        if (looked) return;
        looked = true;
        databaseActivity(cluster).then(
          (lines) => diagnostics.push(`database sessions when ${what} hung:`, ...lines),
          (error: Error) => diagnostics.push(`pg_stat_activity failed: ${error.message}`),
        );
      };
      const client = new StormClient(users, targets, tally, options.abortShare ?? 0.3, lookAtHang);

      for (const seeded of seededMessages) tally.acknowledged.push(seeded);

      // The storm.
      const proxies = proxiesOf(cluster);
      const statsBefore = proxies.map((proxy) => proxy.stats);
      const stopFaults = startFaults(proxies, random.fork());
      const instanceCpu = () => cluster.instances.map((instance) => processCpuSeconds(instance.process?.child.pid));
      const services = () => ({ postgres: serviceCpuSeconds('postgres'), redis: serviceCpuSeconds('redis-server') });
      const cpuBefore = {
        instances: instanceCpu(),
        test: process.cpuUsage(),
        machine: machineCpuSeconds(),
        ...services(),
      };
      const started = performance.now();
      let issued = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          const own = random.fork();
          while (issued < options.operations) {
            issued++;
            await client.run(client.draw(own));
          }
        }),
      );
      tally.finish(performance.now() - started);
      const testCpu = process.cpuUsage(cpuBefore.test);
      const cpu = {
        instances: instanceCpu().map((seconds, index) => Math.round(seconds - (cpuBefore.instances[index] ?? 0))),
        test: Math.round((testCpu.user + testCpu.system) / 1e6),
        machine: Math.round(machineCpuSeconds() - cpuBefore.machine),
        postgres: Math.round(services().postgres - cpuBefore.postgres),
        redis: Math.round(services().redis - cpuBefore.redis),
      };
      await stopFaults();
      client.faultsOff();
      proxies.forEach((proxy, index) => {
        const earlier = statsBefore[index];
        tally.report.resets += proxy.stats.resets - (earlier?.resets ?? 0);
        tally.report.stalls += proxy.stats.stalls - (earlier?.stalls ?? 0);
      });

      // After the storm: ready again, nothing left in progress once the leases could run out.
      phase('storm');
      const healed = performance.now();
      let settled = healed;
      for (const instance of cluster.instances) {
        assert.equal(
          instance.process?.child.exitCode,
          null,
          `instance ${instance.index + 1} died:\n${instance.stderr().slice(-2000)}`,
        );
        await pollUntil(
          async () => ((await fetch(`${instance.url}/readyz`)).status === 200 ? true : undefined),
          `instance ${instance.index + 1} ready after healing`,
          { timeoutMs: 20_000, intervalMs: 200 },
        );
      }
      const health = await openHealthCheck(cluster.site.database);
      try {
        let left: string[] = [];
        await pollUntil(
          async () => {
            left = await health.inProgressAnswers();
            return left.length === 0 ? true : undefined;
          },
          'no answer in_progress after healing',
          { timeoutMs: leaseSeconds * 1000 + 30_000, intervalMs: 200 },
        ).catch(() => tally.fail(`T6: still in_progress ${leaseSeconds + 30} s after healing: ${left.join(', ')}`));
        tally.report.settleMs = Math.round(performance.now() - healed);
        settled = performance.now();
        const tree = await checkTreeInvariants(cluster.site.database, { acknowledged: tally.acknowledged });
        for (const violation of tree.slice(0, 50)) tally.fail(violation);
        for (const violation of (await health.storageViolations()).slice(0, 20)) tally.fail(violation);
      } finally {
        await health.close();
      }

      // Every answer ended: the limits' stream leases (in Redis) must not be renewed by anyone any more.
      const leasesAtSettle = await streamLeases(redis, users);
      tally.report.leftStreamLeases = leasesAtSettle.size;
      phase('settling and tree check');
      await checkWithoutFaults(users, targets, tally, options.concurrency, random);

      if (leasesAtSettle.size > 0) {
        // A lease whose release failed (Redis away) just runs out; one still renewed (every 20 s) was
        // never released: a leak that holds one of its user's concurrent answers for good.
        await sleep(Math.max(0, leaseRenewalMs + 1_000 - (performance.now() - settled)));
        const later = await streamLeases(redis, users);
        const renewed = [...leasesAtSettle].filter(([id, expiry]) => (later.get(id) ?? 0) > expiry);
        tally.report.leakedStreamLeases = renewed.length;
        for (const [id] of renewed) {
          tally.fail(`a stream lease (limits) still renewed after every answer ended: ${id}`, 'stream lease leaked');
        }
      }
      phase('checks after healing');
      const { report } = tally;
      const unhandled = cluster.instances.flatMap((instance) =>
        instance
          .stdout()
          .split('\n')
          .filter((line) => line.includes('"unhandled error"'))
          .slice(0, 3),
      );
      for (const line of unhandled) tally.fail(`server log: ${line.slice(0, 1500)}`);
      t.diagnostic(summaryLine(report));
      t.diagnostic(`by kind: ${JSON.stringify(report.byKind)}`);
      t.diagnostic(`statuses: ${JSON.stringify(report.statuses)}`);
      t.diagnostic(`latency ms, not aborted (median/p99/max): ${JSON.stringify(report.latency)}`);
      t.diagnostic(`after healing: ${report.verifyRequests} list / stream_status / get requests`);
      t.diagnostic(`phases: ${phases.join(', ')}`);
      t.diagnostic(
        `CPU seconds during the storm: instances ${cpu.instances.join(' + ')}, test process (clients, proxies) ${cpu.test}, PostgreSQL ${cpu.postgres}, Redis ${cpu.redis} (both with other users'), whole machine ${cpu.machine}`,
      );
      for (const line of diagnostics) t.diagnostic(line);
      if (report.failureCount > 0) t.diagnostic(`failures by kind: ${JSON.stringify(report.failureKinds)}`);
      if (report.failures.length > 0) {
        for (const line of await nginxErrors(nginx)) t.diagnostic(line);
        for (const instance of cluster.instances) {
          t.diagnostic(`instance ${instance.index + 1} stderr (tail):\n${instance.stderr().slice(-3000)}`);
        }
      }
      console.log(summaryLine(report));
      assert.deepEqual(
        report.failures.slice(0, 40),
        [],
        `${report.failureCount} failures (${JSON.stringify(report.failureKinds)}), seed ${seed}`,
      );
      assert.equal(report.foreignCanaries, 0);
      assert.equal(report.operations, options.operations);
      assert.ok(report.abortsPlanned >= 0.25 * report.operations, `only ${report.abortsPlanned} aborts planned`);
      assert.ok(report.ownCanaries > report.operations / 2, `only ${report.ownCanaries} own canaries seen`);
      assert.ok(report.resets > 0 && report.stalls > 0, 'the proxies injected resets and stalls');
    });
  });
}

/** The cluster: every instance behind its own PostgreSQL and Redis fault proxies (pass-through at first). */
function startStormCluster(redis: TestRedis, options: StormOptions, seed: number): Promise<Cluster> {
  return withTimeout(
    startCluster({
      instances: options.instances,
      users: [],
      redis,
      faultProxies: true,
      seed,
      config: {
        providers: [{ type: 'demo', id: 'demo' }],
        // Limits on (through the shared Redis), loose enough that a storm seldom meets them.
        limits: { messages: { cap: 100_000, windowMinutes: 60 }, concurrentStreams: 8, telemetryPerIpPerMinute: 0 },
        telemetry: { enabled: false },
      },
      env: {
        BACKCHAT_GENERATION_LEASE_SECONDS: String(leaseSeconds),
        BACKCHAT_DEMO_TOKEN_DELAY_MS: String(options.tokenDelayMs ?? 2),
        BACKCHAT_SHUTDOWN_GRACE_SECONDS: '1',
        BACKCHAT_TRUST_PROXY: '127.0.0.1',
        // Only errors are logged (an unhandled one is a 500's evidence).
        BACKCHAT_LOG_REQUESTS: '1',
        BACKCHAT_LOG_LEVEL: 'error',
      },
    }),
    240_000,
    'starting the cluster',
  );
}
