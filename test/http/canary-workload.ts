/**
 * The cross-user concurrency workload (docs/security.md, pattern 6: concurrency and cancellation,
 * after redis-py's test_cwe_404 — the bug behind ChatGPT's March 2023 leak of titles to other users):
 * many users whose conversation titles and messages carry random 128-bit canaries; worker clients over
 * real loopback HTTP issue a random mix of list (32 %), search (8 %: every canary's prefix, or one of
 * the user's own canaries), get (30 %), stream a turn (20 %), gen_title (5 %) and PATCH (5 %), a quarter of them aborted at a random moment (0–50 ms, or mid-stream). Every
 * byte received is scanned for another user's canary.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { FakeScenario, RecordedRequest } from '../helpers/fake-upstream.js';
import { addUser, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';
import { canaryPattern, type OperationKind, type Outcome, Tally, type WorkloadReport } from './canary-report.js';

export interface WorkloadOptions {
  users: number;
  conversationsPerUser: number;
  operations: number;
  /** Concurrent client workers; each user belongs to one worker (≤ 1 request in flight per user). */
  workers: number;
  /** Share of operations aborted by the client (default 0.25). */
  abortShare?: number;
  /** Seeds the operation mix (timing is real and is not reproducible). */
  seed: number;
}

/** [kind, cumulative probability]: 32 / 8 / 30 / 20 / 5 / 5 %. */
const operationMix: ReadonlyArray<readonly [OperationKind, number]> = [
  ['list', 0.32],
  ['search', 0.4],
  ['get', 0.7],
  ['stream', 0.9],
  ['gen_title', 0.95],
  ['patch', 1],
];

interface Conversation {
  id: string;
  canary: string;
}

interface Participant {
  index: number;
  user: TestUser;
  conversations: Conversation[];
}

/** A small seeded PRNG (mulberry32): the operation mix replays from the seed. */
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

function newCanary(): string {
  return `CANARY${randomBytes(16).toString('hex')}`;
}

async function seedParticipant(server: TestServer, index: number, conversationCount: number): Promise<Participant> {
  const user = await addUser(server.deps, `canary${index}`, 'user');
  const conversations: Conversation[] = [];
  for (let n = 0; n < conversationCount; n += 1) {
    const canary = newCanary();
    const turn = await sendTurn(server, user, { action: 'next', messages: [userMessage(`Secret ${canary} here`)] });
    const patched = await server.request(`/backend-api/conversation/${turn.conversationId}`, {
      method: 'PATCH',
      as: user,
      json: { title: `Title ${canary}` },
    });
    if (patched.status !== 200) throw new Error(`seeding a title failed: ${patched.status}`);
    conversations.push({ id: turn.conversationId, canary });
  }
  return { index, user, conversations };
}

/** Users, each with conversations whose first message and title carry the conversation's canary. */
export async function seedParticipants(
  server: TestServer,
  options: Pick<WorkloadOptions, 'users' | 'conversationsPerUser'>,
): Promise<Participant[]> {
  const participants: Participant[] = [];
  const batch = 8;
  for (let first = 0; first < options.users; first += batch) {
    const indexes = Array.from({ length: Math.min(batch, options.users - first) }, (_, offset) => first + offset);
    participants.push(
      ...(await Promise.all(indexes.map((index) => seedParticipant(server, index, options.conversationsPerUser)))),
    );
  }
  return participants;
}

/**
 * The upstream's answer to a turn: "Noted: <the conversation's canary>." — so a reply delivered to the
 * wrong user shows up in the scan as well.
 */
export function echoCanaryReply(request: RecordedRequest): FakeScenario {
  const canary = JSON.stringify(request.body ?? '').match(canaryPattern)?.[0] ?? 'no canary';
  return { kind: 'reply', text: `Noted: ${canary}.` };
}

interface Operation {
  kind: OperationKind;
  participant: Participant;
  conversation: Conversation;
  /** Abort after this many ms, or once the first chunk of the body arrived ('mid-stream'). */
  abort: number | 'mid-stream' | undefined;
  prefix: '/backend-api' | '/api';
}

function requestFor(operation: Operation): { path: string; init: RequestInit; messageId?: string } {
  const { kind, conversation, prefix } = operation;
  if (kind === 'list') return { path: `${prefix}/conversations?offset=0&limit=28&order=updated`, init: {} };
  if (kind === 'search') {
    // "canary" is a prefix of every user's canaries: only the owner filter keeps the others out.
    const query = conversation.canary.endsWith('0') ? conversation.canary : 'canary';
    return { path: `${prefix}/conversations/search?query=${query}&limit=50`, init: {} };
  }
  if (kind === 'get') return { path: `${prefix}/conversation/${conversation.id}`, init: {} };
  if (kind === 'gen_title')
    return { path: `${prefix}/conversation/gen_title/${conversation.id}`, init: { method: 'POST', body: '{}' } };
  if (kind === 'patch') {
    const body = JSON.stringify({ title: `Title ${conversation.canary} ${randomUUID().slice(0, 8)}` });
    return { path: `${prefix}/conversation/${conversation.id}`, init: { method: 'PATCH', body } };
  }
  const messageId = randomUUID();
  const body = JSON.stringify({
    action: 'next',
    conversation_id: conversation.id,
    messages: [userMessage(`More on ${conversation.canary}, please`, messageId)],
  });
  return { path: `${prefix}/conversation`, init: { method: 'POST', body }, messageId };
}

/** One operation over `agent`; every byte that arrives is kept, also when the client cuts it short. */
function perform(agent: http.Agent, baseUrl: URL, operation: Operation): Promise<Outcome> {
  const { path, init, messageId } = requestFor(operation);
  const controller = new AbortController();
  const chunks: Buffer[] = [];
  const startMs = performance.now();
  return new Promise((resolve) => {
    let status: number | undefined;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(abortTimer);
      clearTimeout(deadline);
      const aborted = controller.signal.aborted;
      resolve({
        status,
        text: Buffer.concat(chunks).toString('utf8'),
        error: error && !aborted ? `${error.name}: ${error.message}` : undefined,
        aborted,
        firstChunk: chunks.length > 0,
        ms: performance.now() - startMs,
        ...(messageId && { messageId }),
      });
    };
    const request = http.request(
      {
        agent,
        host: baseUrl.hostname,
        port: baseUrl.port,
        path,
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${operation.participant.user.token}`, 'content-type': 'application/json' },
        signal: controller.signal,
      },
      (response) => {
        status = response.statusCode;
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (operation.abort === 'mid-stream') controller.abort();
        });
        response.on('end', () => finish());
        response.on('error', finish);
        response.on('close', () => finish(response.complete ? undefined : new Error('the response was cut off')));
      },
    );
    request.on('error', finish);
    const abortTimer =
      typeof operation.abort === 'number' ? setTimeout(() => controller.abort(), operation.abort) : undefined;
    const deadline = setTimeout(() => request.destroy(new Error('no response within 30 s')), 30_000);
    request.end(typeof init.body === 'string' ? init.body : undefined);
  });
}

function pickOperation(
  next: () => number,
  participants: readonly Participant[],
  abortShare: number,
  prefixes: readonly Operation['prefix'][],
): Operation {
  const roll = next();
  const kind = operationMix.find(([, upTo]) => roll < upTo)?.[0] ?? 'list';
  const participant = participants[Math.floor(next() * participants.length)] as Participant;
  const conversation = participant.conversations[Math.floor(next() * participant.conversations.length)] as Conversation;
  const aborted = next() < abortShare;
  const abort = !aborted ? undefined : kind === 'stream' && next() < 0.5 ? 'mid-stream' : next() * 50;
  return { kind, participant, conversation, abort, prefix: prefixes[Math.floor(next() * 2)] ?? '/backend-api' };
}

/** Runs the workload against `server`; the report says what leaked and what failed. */
export async function runWorkload(
  server: TestServer,
  participants: readonly Participant[],
  options: WorkloadOptions,
): Promise<WorkloadReport> {
  const owners = new Map(participants.flatMap((p) => p.conversations.map((c) => [c.canary, p.index] as const)));
  const tally = new Tally(owners);
  const next = random(options.seed);
  const abortShare = options.abortShare ?? 0.25;
  const prefixes = ['/backend-api', '/api'] as const;
  const perWorker = Array.from({ length: options.workers }, (_, worker) =>
    participants.filter((participant) => participant.index % options.workers === worker),
  );
  // The plan is drawn up front from the seed, so the mix does not depend on timing.
  const plans = perWorker.map(() => [] as Operation[]);
  for (let n = 0; n < options.operations; n += 1) {
    const worker = n % options.workers;
    const own = perWorker[worker] ?? [];
    if (own.length > 0) plans[worker]?.push(pickOperation(next, own, abortShare, prefixes));
  }
  // Our own connection pool, closed at the end: no client socket outlives the workload.
  const agent = new http.Agent({ keepAlive: true });
  const baseUrl = new URL(server.url);
  const startMs = performance.now();
  try {
    await Promise.all(
      plans.map(async (plan) => {
        for (const operation of plan) {
          const outcome = await perform(agent, baseUrl, operation);
          tally.add(
            {
              kind: operation.kind,
              who: operation.participant.index,
              conversationId: operation.conversation.id,
              abortPlanned: operation.abort !== undefined,
            },
            outcome,
          );
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return tally.finish(performance.now() - startMs);
}
