/**
 * The crash harness with two instances (docs/reliability.md, "The crash harness"): two real `backchat
 * serve` processes on one fresh PostgreSQL database and one Redis prefix, the crash workload
 * (test/helpers/crash-workload.ts) spread over both — each cycle every client is pinned to one instance
 * at random, so chats move from one to the other — and each cycle one instance, drawn at random, is
 * SIGKILLed while it streams an answer. It is not restarted at once: the other instance keeps serving
 * (its clients must see no failure at all), and the answers the killed one was writing (in_progress
 * under its lease at the kill) must be marked interrupted by the survivor's sweep within the lease and a
 * margin, and be reported as not streaming through the survivor (the shared AnswerHub) — only then is the
 * killed instance started again. After every restart: storage (no orphan row), T1–T5 and T7 with every
 * acknowledged user message present, no second copy of a retried turn, answers read to `[DONE]` stored
 * as delivered, nothing left in_progress (T6), and a follow-up turn through each instance.
 *
 * BACKCHAT_CRASH_SEED=<n> replays the draws (timing stays real). The figures are printed as diagnostics.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/store/database-schema.js';
import { openDatabase } from '../../src/store/open-database.js';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { freePort, killAll } from '../helpers/cli-process.js';
import { describeWithCluster } from '../helpers/cluster.js';
import { newLife } from '../helpers/crash-harness.js';
import { Actor, attemptsNamedIn, type Life, newLedger, type WorkloadLedger } from '../helpers/crash-workload.js';
import { type HealthCheck, openHealthCheck } from '../helpers/db-health.js';
import { openTestRedis, type TestRedis } from '../helpers/redis.js';
import { chooseSeed, type SeededRandom, seededRandom } from '../helpers/seeded-random.js';
import {
  buildServerIfStale,
  createSite,
  type ServerHandle,
  ServerLauncher,
  type Site,
} from '../helpers/server-process.js';
import { requestJson } from '../helpers/stream-client.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';

const cycles = 16;
const leaseSeconds = 1;
/** The survivor's sweep runs every half lease; the margin covers a loaded machine. */
const recoveryBoundMs = leaseSeconds * 1000 * 1.5 + 5_000;

interface Instance {
  index: number;
  url: string;
  launcher: ServerLauncher;
  server: ServerHandle | undefined;
  /** Its id as the owner of answer leases (from its heartbeat row). */
  instanceId: string;
}

interface Figures {
  seed: number;
  cycles: number;
  wallMs: number;
  /** Kills that came while the victim streamed an answer to a client, and the others. */
  killsMidStream: number;
  killsOther: number;
  /** Streams live on the victim at the kill (first event received, no `[DONE]`). */
  streamsCut: number;
  /** Answers in_progress under the victim's lease at the kill, all marked interrupted by the survivor. */
  answersCut: number;
  acknowledged: number;
  deliveredChecked: number;
  /** Requests the survivor completed while the other instance was down (from the kill to its restart). */
  servedDuringOutage: number;
  /** Kill → every answer it cut marked interrupted by the survivor: [median, 90th percentile, max] ms. */
  survivorRecoveryMs: [number, number, number];
  /** Start signal → listening: [median, 90th percentile, max] ms. */
  restartMs: [number, number, number];
  operations: Record<string, number>;
  violations: number;
}

/** [median, 90th percentile, max], rounded to ms. */
function spread(values: number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0);
  return [at(0.5), at(0.9), Math.round(sorted.at(-1) ?? 0)];
}

/** Requests the clients saw through to the end so far (`<operation>:done`). */
function completed(ledger: WorkloadLedger): number {
  return [...ledger.counts].reduce((sum, [key, count]) => (key.endsWith(':done') ? sum + count : sum), 0);
}

/** The instance id a server process writes its answer leases with (its heartbeat row names its pid). */
async function instanceIdOf(db: Kysely<Database>, pid: number): Promise<string> {
  return pollUntil(
    async () => {
      const row = await db
        .selectFrom('instances')
        .select('instance_id')
        .where('label', 'like', `%(pid ${pid})`)
        .executeTakeFirst();
      return row?.instance_id;
    },
    `the heartbeat row of pid ${pid}`,
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}

/** Answers still in_progress under `instanceId`'s lease (`conversation/message`). */
async function answersLeasedTo(db: Kysely<Database>, instanceId: string): Promise<string[]> {
  const { rows } = await sql<{ conversation_id: string; id: string }>`
    select m.conversation_id, m.id from messages m
    join generations g on g.conversation_id = m.conversation_id and g.message_id = m.id
    where g.instance_id = ${instanceId} and m.status = 'in_progress'`.execute(db);
  return rows.map((row) => `${row.conversation_id}/${row.id}`);
}

/** Answers read to `[DONE]` are stored with that status and text: this cycle's, and a sample of older ones. */
async function deliveredViolations(health: HealthCheck, ledger: WorkloadLedger, random: SeededRandom) {
  const fresh = ledger.delivered.filter((entry) => !entry.checked);
  const old = ledger.delivered.filter((entry) => entry.checked);
  const sample = Array.from({ length: Math.min(10, old.length) }, () => random.pick(old));
  const violations: string[] = [];
  for (const entry of [...fresh, ...sample]) {
    entry.checked = true;
    const stored = await health.storedMessage(entry.conversationId, entry.messageId);
    if (stored?.status !== entry.status || stored.text !== entry.text) {
      violations.push(
        `delivered answer ${entry.messageId} (${entry.status}, ${entry.text.length} chars) is stored ${stored?.status} with ${stored?.text.length} chars (${entry.what})`,
      );
    }
  }
  return violations;
}

async function runTwoInstanceHarness(seed: number, redis: TestRedis, log: (line: string) => void): Promise<Figures> {
  const started = performance.now();
  const random = seededRandom(seed);
  const site: Site = await createSite('postgres', {
    users: ['ada', 'ben'],
    config: {
      providers: [{ type: 'demo', id: 'demo', tokenDelayMs: 3 }],
      limits: { messages: { cap: 0 }, concurrentStreams: 0 },
      telemetry: { enabled: false },
    },
    env: { BACKCHAT_GENERATION_LEASE_SECONDS: String(leaseSeconds), BACKCHAT_SHUTDOWN_GRACE_SECONDS: '1' },
  });
  const { db } = await openDatabase(site.database);
  const health = await openHealthCheck(site.database);
  const shared = { REDIS_URL: redis.url, BACKCHAT_REDIS_PREFIX: redis.prefix };
  const instances: Instance[] = [];
  for (const [index, port] of [site.port, await freePort()].entries()) {
    const url = `http://127.0.0.1:${port}`;
    // One warm spare each: a restart costs the server's own start-up, not Node's module loading.
    const launcher = new ServerLauncher({ ...site, port, url }, { spares: 1, env: shared });
    instances.push({ index, url, launcher, server: undefined, instanceId: '' });
  }
  const ledger = newLedger();
  const actors = Array.from({ length: 4 }, (_, index) => {
    const user = site.users[index % site.users.length];
    if (!user) throw new Error('the site has no users');
    return new Actor(`actor${index}`, user, random.fork(), ledger, {
      abortShare: 0.2,
      backgroundShare: 0.5,
      model: 'demo',
    });
  });
  const figures: Figures = {
    seed,
    cycles,
    wallMs: 0,
    killsMidStream: 0,
    killsOther: 0,
    streamsCut: 0,
    answersCut: 0,
    acknowledged: 0,
    deliveredChecked: 0,
    servedDuringOutage: 0,
    survivorRecoveryMs: [0, 0, 0],
    restartMs: [0, 0, 0],
    operations: {},
    violations: 0,
  };
  const recoveries: number[] = [];
  const restarts: number[] = [];
  let cycle = 0;
  const fail = (what: string, details: string[]): never => {
    figures.violations += details.length;
    const tails = instances.map(
      (instance) =>
        `--- instance ${instance.index + 1} stderr (tail):\n${instance.server?.process.output().stderr.slice(-1500) ?? ''}`,
    );
    throw new Error(
      `two-instance crash harness, seed ${seed} (BACKCHAT_CRASH_SEED=${seed}), cycle ${cycle}: ${what}\n` +
        `${details.slice(0, 40).join('\n')}${details.length > 40 ? `\n… ${details.length - 40} more` : ''}` +
        `\n--- the last kills and starts: ${ledger.serverEvents.slice(-8).join(', ')}\n${tails.join('\n')}`,
    );
  };
  const start = async (instance: Instance, counted: boolean) => {
    const handle = await instance.launcher.start();
    if (counted) restarts.push(performance.now() - handle.startedAt);
    instance.server = handle;
    instance.instanceId = await instanceIdOf(db, handle.pid);
    ledger.serverEvents.push(
      `instance ${instance.index + 1} listening at ${Math.round(performance.now() - ledger.startedAt)} ms`,
    );
  };

  /** The structural checks, then nothing in_progress, then a follow-up turn through each instance. */
  const checkBoth = async () => {
    const storage = await health.storageViolations();
    if (storage.length > 0) fail('storage check', storage);
    const tree = await checkTreeInvariants(site.database, { acknowledged: ledger.acknowledged, allowInProgress: true });
    if (tree.length > 0) fail('tree invariants', [...tree, ...attemptsNamedIn(ledger, tree)]);
    const copies = await health.duplicateViolations();
    if (copies.length > 0) fail('a retried turn was stored twice', [...copies, ...attemptsNamedIn(ledger, copies)]);
    const delivered = await deliveredViolations(health, ledger, random);
    if (delivered.length > 0) fail('answers read to [DONE] are not stored as delivered', delivered);
    // The clients stopped; background answers end within about a second.
    let left: string[] = [];
    await pollUntil(
      async () => {
        left = await health.inProgressAnswers();
        return left.length === 0 ? true : undefined;
      },
      'no answer in_progress',
      { timeoutMs: leaseSeconds * 1000 + 10_000, intervalMs: 50 },
    ).catch(() => fail('T6: answers still in_progress with every client stopped', left));
    for (const actor of actors) actor.afterKill();
    const lives = instances.map((instance) => newLife(instance.url));
    const checks = lives.map(
      (life, index) => (actors[(cycle + index) % actors.length] as Actor).followUpCheck(life).failure,
    );
    const failures = (await Promise.all(checks)).filter((failure): failure is string => failure !== undefined);
    for (const life of lives) life.agent.destroy();
    if (failures.length > 0) fail('a follow-up turn failed', failures);
  };

  /** `conversation/answer` when the survivor still reports that answer as streaming (a stale live entry). */
  const streamingThrough = async (instance: Instance, answer: string): Promise<string | undefined> => {
    const [conversationId = '', messageId = ''] = answer.split('/');
    const owner = actors.find((actor) => actor.chats.some((chat) => chat.id === conversationId))?.user;
    if (!owner) return undefined;
    const status = await requestJson(
      { url: instance.url, token: owner.token },
      'GET',
      `/backend-api/conversation/${conversationId}/stream_status`,
    );
    // 404: the client deleted the conversation while its answer was written in the background; nobody
    // can follow it any more (its stored message is checked above, through the lease).
    if (status.status === 404) return undefined;
    const body = status.json as { status?: string; message_id?: string };
    return status.status === 200 && !(body.status === 'IS_STREAMING' && body.message_id === messageId)
      ? undefined
      : `${answer} (stream_status ${status.status}: ${JSON.stringify(status.json).slice(0, 200)})`;
  };

  try {
    await Promise.all(instances.map((instance) => start(instance, false)));
    await checkBoth();
    for (cycle = 1; cycle <= cycles; cycle++) {
      // Every client on one instance, drawn each cycle; both instances get some.
      const lives = instances.map((instance) => newLife(instance.url));
      const pinned = actors.map(() => random.int(instances.length));
      if (new Set(pinned).size < instances.length) pinned[cycle % actors.length] = 1 - (pinned[0] ?? 0);
      const running = actors.map((actor, index) => actor.run(lives[pinned[index] ?? 0] as Life));
      await sleep(random.between(200, 1_200));
      // The victim, drawn at random, dies while it streams an answer (waited for, a few seconds at most).
      const victimIndex = random.int(instances.length);
      const victim = instances[victimIndex] as Instance;
      const survivor = instances[1 - victimIndex] as Instance;
      const victimLife = lives[victimIndex] as Life;
      const streaming = await pollUntil(
        async () => (victimLife.traffic.streaming > 0 ? true : undefined),
        'an answer streaming on the victim',
        { timeoutMs: 4_000, intervalMs: 5 },
      ).catch(() => false);
      await sleep(random.between(0, 60));
      if (streaming && victimLife.traffic.streaming > 0) figures.killsMidStream++;
      else figures.killsOther++;
      figures.streamsCut += victimLife.traffic.streaming;
      victimLife.killed = true;
      victimLife.stopping = true;
      const killedAt = performance.now();
      const doneBefore = completed(ledger);
      ledger.serverEvents.push(
        `cycle ${cycle}: instance ${victim.index + 1} SIGKILL at ${Math.round(killedAt - ledger.startedAt)} ms`,
      );
      if (victim.server) await victim.launcher.kill(victim.server);
      victim.server = undefined;

      // Only the survivor runs now: what the victim was writing must be marked interrupted by it.
      const cut = await answersLeasedTo(db, victim.instanceId);
      figures.answersCut += cut.length;
      let left: string[] = [];
      await pollUntil(
        async () => {
          left = (await answersLeasedTo(db, victim.instanceId)).filter((answer) => cut.includes(answer));
          const stillLive = await Promise.all(
            cut.map(async (answer) => (left.includes(answer) ? undefined : await streamingThrough(survivor, answer))),
          );
          left.push(...stillLive.filter((answer): answer is string => answer !== undefined));
          return left.length === 0 ? true : undefined;
        },
        "the survivor marks the victim's answers interrupted",
        { timeoutMs: recoveryBoundMs, intervalMs: 50 },
      ).catch(() =>
        fail(
          `answers of the killed instance not marked interrupted (or still streaming) through the survivor within ${recoveryBoundMs} ms`,
          left.map((answer) => (answer.includes(' ') ? answer : `${answer} (still in_progress under its lease)`)),
        ),
      );
      if (cut.length > 0) recoveries.push(performance.now() - killedAt);
      for (const answer of cut) {
        const [conversationId = '', messageId = ''] = answer.split('/');
        const stored = await health.storedMessage(conversationId, messageId);
        const finish = (stored?.metadata.finish_details as { type?: string } | undefined)?.type;
        if (stored?.status !== 'finished_partial_completion' || finish !== 'interrupted') {
          fail('an answer cut by the kill is not stored interrupted', [`${answer}: ${stored?.status} ${finish}`]);
        }
      }

      // The survivor's clients ran through all of it: none of their requests may have failed.
      (lives[survivor.index] as Life).stopping = true;
      await withTimeout(Promise.all(running), 30_000, 'clients settling after the kill');
      figures.servedDuringOutage += completed(ledger) - doneBefore;
      for (const life of lives) life.agent.destroy();
      if (ledger.failures.length > 0) {
        fail('requests failed (the survivor must keep serving)', [
          ...ledger.failures,
          ...attemptsNamedIn(ledger, ledger.failures),
          `clients on the victim (instance ${victim.index + 1}): ${actors.filter((_, index) => pinned[index] === victim.index).map((actor) => actor.name)}`,
        ]);
      }

      await start(victim, true);
      await checkBoth();
      log(
        `cycle ${cycle}: instance ${victim.index + 1} killed, ${cut.length} answers cut, ${ledger.acknowledged.length} acknowledged`,
      );
    }
    figures.wallMs = Math.round(performance.now() - started);
    figures.acknowledged = new Set(ledger.acknowledged.map((entry) => entry.messageId)).size;
    figures.deliveredChecked = ledger.delivered.filter((entry) => entry.checked).length;
    figures.survivorRecoveryMs = spread(recoveries);
    figures.restartMs = spread(restarts);
    figures.operations = Object.fromEntries([...ledger.counts].sort());
    return figures;
  } finally {
    for (const instance of instances) {
      if (instance.server) await instance.launcher.kill(instance.server).catch(() => {});
      await instance.launcher.close();
    }
    await health.close();
    await db.destroy();
    await site.drop();
  }
}

describeWithCluster('crash harness, two instances on PostgreSQL + Redis', {}, () => {
  let redis: TestRedis | undefined;
  before(() => buildServerIfStale(), { timeout: 300_000 });
  after(async () => {
    killAll();
    await redis?.close();
  });

  test(`${cycles} cycles: one instance SIGKILLed mid-answer, the other keeps serving and interrupts its answers`, {
    timeout: 60_000 + cycles * 15_000,
  }, async (t) => {
    const seed = chooseSeed('BACKCHAT_CRASH_SEED');
    t.diagnostic(`seed ${seed} (replay with BACKCHAT_CRASH_SEED=${seed})`);
    redis = await openTestRedis();
    const figures = await runTwoInstanceHarness(seed, redis, () => {});
    t.diagnostic(
      `${figures.cycles} cycles in ${(figures.wallMs / 1000).toFixed(1)} s: kills mid-stream ${figures.killsMidStream}, other ${figures.killsOther}; ` +
        `${figures.streamsCut} streams cut, ${figures.answersCut} answers cut, all marked interrupted by the survivor, which completed ${figures.servedDuringOutage} requests meanwhile ` +
        `(kill → interrupted: median ${figures.survivorRecoveryMs[0]} ms, 90th percentile ${figures.survivorRecoveryMs[1]} ms, max ${figures.survivorRecoveryMs[2]} ms; lease ${leaseSeconds} s); ` +
        `restart median ${figures.restartMs[0]} ms, max ${figures.restartMs[2]} ms; ${figures.acknowledged} acknowledged user messages all present; ` +
        `${figures.deliveredChecked} delivered answers compared; ${figures.violations} violations`,
    );
    t.diagnostic(`operations: ${JSON.stringify(figures.operations)}`);
    assert.equal(figures.violations, 0);
    assert.ok(figures.answersCut > 0, 'some kills cut answers being written');
    assert.ok(figures.acknowledged > 0, 'the workload got turns acknowledged');
  });
});
