/**
 * Client disconnects under program semantics (docs/decisions/2026-12-02-resumable-answers.md): a client
 * that drops `POST /backend-api/conversation` stops the answer. Workers abort turns at random points —
 * a few milliseconds after sending (before the stream starts) or after a random number of events —
 * against a fake upstream that records when its response socket closes. After each abort:
 *
 * - the upstream request (if one was made) is closed by the server within 1 s of the abort;
 * - the answer leaves `in_progress`: `finished_partial_completion` with `finish_details.type`
 *   `interrupted`, its text starting with everything the client saw and a prefix of what the model said;
 * - nothing in the database stays `in_progress`; at the end T1–T7 hold with every acknowledged message.
 *
 * With `X-Backchat-Background: 1` the same aborts do not stop anything: the upstream runs to its end and
 * the answer is stored complete.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { type DatabaseKind, forEachDatabase } from '../helpers/databases.js';
import { type HealthCheck, openHealthCheck, type StoredMessage } from '../helpers/db-health.js';
import type { FakeUpstream, RecordedRequest } from '../helpers/fake-upstream.js';
import { chooseSeed, type SeededRandom, seededRandom } from '../helpers/seeded-random.js';
import { postTurn, type Target } from '../helpers/stream-client.js';
import type { TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { userMessage } from '../helpers/turns.js';
import { startServerWithFakeUpstream } from '../helpers/upstream-server.js';

const model = 'fake-model';
/** ≈ 1,000 characters in ≈ 260 chunks: at 4 ms a chunk the answer takes about a second. */
const longText = Array.from({ length: 120 }, (_, n) => `word${n} and`).join(' ');
const chunkDelayMs = 4;
/** The contract: the upstream request is aborted within a second of the client leaving. */
const upstreamStopMs = 1000;
/**
 * How long after the abort an upstream that was not cut may still end by itself: the abort and the
 * upstream's end are timed on this test's event loop, which is busy with the other workers. A server
 * that ignored the abort would let the model run its full second from an early abort point.
 */
const finishedFirstSlackMs = 250;

export interface DisconnectOptions {
  /** Program-semantics aborts per database. */
  aborts: number;
  /** Background aborts per database (the answer must run to its end). */
  backgroundAborts: number;
  workers: number;
}

interface Round {
  index: number;
  marker: string;
  rootId: string;
  messageId: string;
  /** Abort after this many payloads, or this many ms after sending. */
  abortAfter: { events: number } | { ms: number };
}

function describeRound(seed: number, round: Round): string {
  return `seed ${seed} (BACKCHAT_DISCONNECT_SEED=${seed}), round ${round.index}, abort after ${JSON.stringify(round.abortAfter)}, user message ${round.messageId}`;
}

/** A round's ids and abort point; `acknowledgedOnly` aborts only after the stream started. */
function drawRound(random: SeededRandom, index: number, acknowledgedOnly = false): Round {
  const marker = `m${random.uuid().slice(0, 8)}`;
  const early = !acknowledgedOnly && random.chance(0.25);
  const abortAfter = early ? { ms: random.between(0, 150) } : { events: random.between(1, 60) };
  return { index, marker, rootId: random.uuid(), messageId: random.uuid(), abortAfter };
}

/** The streaming chat request to the upstream that carries `marker`, if it arrived. */
function findUpstreamRequest(upstream: FakeUpstream, marker: string): RecordedRequest | undefined {
  return upstream.requests.find(
    (request) =>
      request.path.startsWith('/v1/chat/completions') &&
      (request.body as { stream?: boolean } | undefined)?.stream === true &&
      JSON.stringify(request.body).includes(marker),
  );
}

/** The same, waiting up to `waitMs` for it to arrive (undefined if it never does). */
async function upstreamRequestOf(upstream: FakeUpstream, marker: string, waitMs: number) {
  const find = () => findUpstreamRequest(upstream, marker);
  return pollUntil(async () => find(), `the upstream request of ${marker}`, {
    timeoutMs: waitMs,
    intervalMs: 10,
  }).catch(() => find());
}

/** Resolves with performance.now() when the upstream response closes. */
function closeTime(request: RecordedRequest): Promise<number> {
  return request.closed.then(() => performance.now());
}

/** The server under test, its fake upstream, and one connection for looking at the database. */
interface Rig {
  server: TestServer;
  upstream: FakeUpstream;
  health: HealthCheck;
}

async function answerOf({ server, health }: Rig, round: Round): Promise<StoredMessage | undefined> {
  const [conversationId] = await health.conversationsWithRoot(server.alice.id, round.rootId);
  if (!conversationId) return undefined;
  const [answer] = await health.children(conversationId, round.messageId, 'assistant');
  return answer;
}

interface Aborted {
  /** The answer's text in the last event the client received. */
  seen: string;
  acknowledged: boolean;
  upstreamRequest: RecordedRequest | undefined;
  /** When the upstream response closed, watched from the first event on. */
  closedAt: Promise<number> | undefined;
  /** performance.now() of the abort; Infinity if the stream ended first. */
  abortedAt: number;
}

async function abortOnce(
  { server, upstream }: Rig,
  round: Round,
  options: { background: boolean; what: string },
): Promise<Aborted> {
  const target: Target = { url: server.url, token: server.alice.token };
  const stop = new AbortController();
  let abortedAt = Number.POSITIVE_INFINITY;
  const abort = () => {
    if (stop.signal.aborted) return;
    abortedAt = performance.now();
    stop.abort();
  };
  let upstreamRequest: RecordedRequest | undefined;
  let closedAt: Promise<number> | undefined;
  const timer = 'ms' in round.abortAfter ? setTimeout(abort, round.abortAfter.ms) : undefined;
  const events = 'events' in round.abortAfter ? round.abortAfter.events : Number.POSITIVE_INFINITY;
  const body = {
    action: 'next',
    messages: [userMessage(`Tell me something long (${round.marker})`, round.messageId)],
    parent_message_id: round.rootId,
    model,
  };
  const outcome = await postTurn(target, body, {
    background: options.background,
    signal: stop.signal,
    timeoutMs: 20_000,
    onPayload: (_payload, index) => {
      // Watch the upstream socket from before the abort, so its close time is exact.
      if (index === 0) {
        upstreamRequest = findUpstreamRequest(upstream, round.marker);
        if (upstreamRequest) closedAt = closeTime(upstreamRequest);
      }
      if (index + 1 >= events) abort();
    },
  });
  clearTimeout(timer);
  const seen = (outcome.last?.content.parts ?? []).join('');
  assert.equal(outcome.error, undefined, `the turn failed: ${outcome.error} (${options.what})`);
  if (!outcome.aborted) assert.equal(outcome.status, 200, `${outcome.body} (${options.what})`);
  return { seen, acknowledged: outcome.firstPayloadAt !== undefined, upstreamRequest, closedAt, abortedAt };
}

async function programRound(rig: Rig, seed: number, round: Round) {
  const { upstream } = rig;
  const what = describeRound(seed, round);
  const result = await abortOnce(rig, round, { background: false, what });
  if (!Number.isFinite(result.abortedAt)) return { acknowledged: result.acknowledged, finished: true };
  // The upstream request: closed by the server within a second of the abort (if it was ever made).
  const request = result.upstreamRequest ?? (await upstreamRequestOf(upstream, round.marker, upstreamStopMs));
  let modelFinished = false;
  if (request) {
    const closedAt = await withTimeout(
      result.closedAt ?? closeTime(request),
      upstreamStopMs + 4000,
      `upstream request still open (${what})`,
    );
    const late = closedAt - result.abortedAt;
    assert.ok(late <= upstreamStopMs, `the upstream request closed ${Math.round(late)} ms after the abort (${what})`);
    // A reader that falls behind gets the newest snapshot instead of every delta, so a late abort point
    // can come after the model has already said everything. Only then may the upstream end uncut: its
    // end must not come later than the abort (plus the test's own scheduling slack), or the server let
    // a model it should have stopped run on.
    if (!request.clientAborted) {
      assert.ok(
        late <= finishedFirstSlackMs,
        `the upstream stream was not cut by the server: it ended on its own ${Math.round(late)} ms after the abort (${what})`,
      );
      modelFinished = true;
    }
  }
  // The stored answer: interrupted, keeping at least what the client saw.
  const answer = await pollUntil(
    async () => {
      const stored = await answerOf(rig, round);
      return stored?.status === 'in_progress' ? undefined : { stored };
    },
    `the answer leaves in_progress (${what})`,
    { timeoutMs: 5000, intervalMs: 25 },
  );
  const stored = answer.stored;
  if (result.acknowledged) assert.ok(stored, `the answer the client saw is gone (${what})`);
  if (stored && modelFinished && stored.status === 'finished_successfully') {
    // The server had read the whole answer before it saw the client leave: it keeps it whole.
    assert.equal(stored.text, longText, what);
  } else if (stored) {
    assert.equal(stored.status, 'finished_partial_completion', what);
    assert.deepEqual((stored.metadata.finish_details as { type?: string })?.type, 'interrupted', what);
    assert.ok(
      stored.text.startsWith(result.seen),
      `stored "${stored.text}" does not start with the seen "${result.seen}" (${what})`,
    );
    assert.ok(longText.startsWith(stored.text), `stored text is not a prefix of the model's (${what})`);
  }
  return { acknowledged: result.acknowledged, finished: false, modelFinished, chars: stored?.text.length ?? 0 };
}

async function backgroundRound(rig: Rig, seed: number, round: Round) {
  const { upstream } = rig;
  const what = `background, ${describeRound(seed, round)}`;
  const result = await abortOnce(rig, round, { background: true, what });
  const request = result.upstreamRequest ?? (await upstreamRequestOf(upstream, round.marker, 5000));
  assert.ok(request, `no upstream request (${what})`);
  await withTimeout(request.closed, 15_000, `the upstream request of a background answer (${what})`);
  assert.equal(request.clientAborted, false, `the background answer's upstream request was cut (${what})`);
  const stored = await pollUntil(
    async () => {
      const answer = await answerOf(rig, round);
      return answer && answer.status !== 'in_progress' ? answer : undefined;
    },
    `the background answer ends (${what})`,
    { timeoutMs: 10_000, intervalMs: 25 },
  );
  assert.equal(stored.status, 'finished_successfully', what);
  assert.equal(stored.text, longText, what);
}

/** Runs `work` on every round, `workers` at a time. */
async function inWorkers(rounds: Round[], workers: number, work: (round: Round) => Promise<void>): Promise<void> {
  const queue = [...rounds];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let round = queue.shift(); round; round = queue.shift()) await work(round);
    }),
  );
}

export function registerDisconnectSuite(options: DisconnectOptions): void {
  const seed = chooseSeed('BACKCHAT_DISCONNECT_SEED');

  forEachDatabase((kind: DatabaseKind) => {
    let rig: Rig;
    const acknowledged: { conversationId: string; messageId: string }[] = [];

    before(async () => {
      const { server, upstream } = await startServerWithFakeUpstream(kind, { models: [model] });
      upstream.script({ kind: 'reply', text: longText, tokenDelayMs: chunkDelayMs });
      rig = { server, upstream, health: await openHealthCheck(server.db.config) };
    });
    after(async () => {
      await rig?.health.close();
      await rig?.server.close();
      await rig?.upstream.close();
    });

    test(`${kind}: ${options.aborts} client aborts at random points stop the upstream within 1 s and keep the partial answer, interrupted`, async (t) => {
      t.diagnostic(`seed ${seed} (replay with BACKCHAT_DISCONNECT_SEED=${seed})`);
      const random = seededRandom(seed);
      const rounds = Array.from({ length: options.aborts }, (_, index) => drawRound(random, index));
      const tally = { acknowledged: 0, beforeStream: 0, finishedFirst: 0, modelFinished: 0, chars: 0 };
      /** Rounds whose model had said everything before the abort reached the server: not cut, rightly. */
      const ranToItsEnd = new Set<number>();
      const started = performance.now();
      await inWorkers(rounds, options.workers, async (round) => {
        const result = await programRound(rig, seed, round);
        if (result.finished || result.modelFinished) ranToItsEnd.add(round.index);
        if (result.modelFinished) tally.modelFinished++;
        if (result.finished) tally.finishedFirst++;
        else if (result.acknowledged) tally.acknowledged++;
        else tally.beforeStream++;
        tally.chars += result.chars ?? 0;
      });
      const { server, upstream, health } = rig;
      assert.deepEqual(await health.inProgressAnswers(), [], 'nothing stays in_progress');
      for (const round of rounds) {
        const [conversationId] = await health.conversationsWithRoot(server.alice.id, round.rootId);
        if (conversationId) acknowledged.push({ conversationId, messageId: round.messageId });
      }
      assert.deepEqual(await checkTreeInvariants(server.db.config, { acknowledged }), []);
      // No upstream request of an aborted turn ran to its end (none was started late and left running).
      for (const round of rounds) {
        const request = findUpstreamRequest(upstream, round.marker);
        if (!request || ranToItsEnd.has(round.index)) continue;
        await withTimeout(request.closed, upstreamStopMs, `upstream request of round ${round.index} still open`);
        assert.ok(
          request.clientAborted,
          `round ${round.index}: its upstream request ran to its end (${describeRound(seed, round)})`,
        );
      }
      t.diagnostic(
        `${options.aborts} aborts in ${Math.round(performance.now() - started)} ms: ${tally.acknowledged} mid-stream, ${tally.beforeStream} before the stream started, ${tally.finishedFirst} finished before the abort, ${tally.modelFinished} whose model had finished as the client left; ${tally.chars} partial characters kept`,
      );
      assert.ok(tally.acknowledged >= options.aborts / 2, 'most aborts came mid-stream');
    });

    test(`${kind}: ${options.backgroundAborts} aborted background turns (X-Backchat-Background: 1, ${options.workers} at a time) run to their end`, async (t) => {
      const random = seededRandom(seed + 1);
      // Background answers outlive a client that leaves after the turn was acknowledged (its first event).
      const rounds = Array.from({ length: options.backgroundAborts }, (_, index) => drawRound(random, index, true));
      await inWorkers(rounds, options.workers, (round) => backgroundRound(rig, seed + 1, round));
      await pollUntil(
        async () => ((await rig.health.inProgressAnswers()).length === 0 ? true : undefined),
        'background answers end',
        { timeoutMs: 10_000 },
      );
      assert.deepEqual(await checkTreeInvariants(rig.server.db.config), []);
      t.diagnostic(`${rounds.length} background answers completed after their clients left`);
    });
  });
}
