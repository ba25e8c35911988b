/**
 * The crash harness (docs/reliability.md "The crash harness"): a real `backchat serve` process under a
 * seeded random workload (crash-workload.ts), SIGKILLed at a random moment, restarted on the same
 * database, and checked after every restart:
 *
 * 1. storage: SQLite `integrity_check` ok and no foreign-key violation / PostgreSQL no orphan row;
 * 2. T1–T5 and T7 over the whole database (tree-checker.ts), every acknowledged user message present;
 * 3. no second copy of a retried turn (conversations per root id, user messages per id);
 * 4. answers the client read to `[DONE]` are stored with that status and text;
 * 5. T6: the answers cut by the kill leave `in_progress` within the lease + 10 s (polled while the
 *    follow-up turn of 6. runs and before the other clients start: its answer is the only one live);
 * 6. a follow-up turn succeeds — it opens the next cycle, whose kill comes only after it finished.
 *
 * Some cycles kill the server again while it is starting (before or during its recovery).
 * The first violation throws, naming the seed, the database, the cycle and what went wrong.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollUntil, withTimeout } from './bounded.js';
import { Actor, attemptsNamedIn, type Life, newLedger, type WorkloadLedger } from './crash-workload.js';
import type { DatabaseKind } from './databases.js';
import { type HealthCheck, openHealthCheck } from './db-health.js';
import { type SeededRandom, seededRandom } from './seeded-random.js';
import { createSite, type ServerHandle, ServerLauncher } from './server-process.js';
import { checkTreeInvariants } from './tree-checker.js';

export interface CrashHarnessOptions {
  kind: DatabaseKind;
  cycles: number;
  seed: number;
  /** Concurrent clients (default 3), spread over two users. */
  actors?: number;
  /** BACKCHAT_GENERATION_LEASE_SECONDS for the server (default 1). */
  leaseSeconds?: number;
  /**
   * Milliseconds between the demo model's tokens (default 3: a reply of ≈ 300 tokens takes ≈ 1 s, about
   * as long as the cut answers' leases take to run out, so the follow-up check costs no extra time).
   */
  tokenDelayMs?: number;
  /** Share of cycles whose freshly started server is killed again while starting (default 0.1). */
  startupKillShare?: number;
  /** Progress lines (one per cycle). */
  log?: (line: string) => void;
}

/**
 * What the server was doing when it was killed, the first that applies: still starting (before it
 * listened); a turn sent whose stream had not started (being planned and committed); an answer
 * streaming to a client; another request in flight; nothing a client was waiting for.
 */
export type KillPhase = 'starting' | 'waiting' | 'streaming' | 'request' | 'idle';

export interface CrashReport {
  kind: DatabaseKind;
  seed: number;
  cycles: number;
  wallMs: number;
  kills: Record<KillPhase, number>;
  /** Streams that were live (first event received, no `[DONE]`) when their server was killed. */
  streamsCut: number;
  /** Acknowledged user messages, all present after every restart. */
  acknowledged: number;
  /** Answers read to `[DONE]` and found stored exactly so. */
  deliveredChecked: number;
  /** `<operation>:<outcome>` → count. */
  operations: Record<string, number>;
  /** From the kill until no answer it cut was `in_progress` any more: [median, 90th percentile, max] ms. */
  recoveryMs: [number, number, number];
  /** From the start signal until the server listened: [median, 90th percentile, max] ms. */
  restartMs: [number, number, number];
}

/**
 * Waits for the moment of the kill, drawn from `random` and never before `followUp` (the follow-up
 * check must finish): a delay after the clients started (mostly short, sometimes long; 70 %), a few
 * milliseconds after the next turn request went out, while its turn is being planned and committed
 * (20 %), or once the clients have stopped, with only background answers still running (10 %).
 */
async function killMoment(
  life: Life,
  running: Promise<void>[],
  followUp: Promise<void>,
  random: SeededRandom,
): Promise<void> {
  const roll = random.next();
  if (roll < 0.7) {
    const long = random.chance(0.15);
    await Promise.all([sleep(long ? random.between(800, 2500) : random.between(0, 800)), followUp]);
    return;
  }
  if (roll < 0.9) {
    const delay = random.between(0, 25);
    await followUp;
    const sent = new Promise<void>((resolve) => {
      life.onTurnSent = resolve;
    });
    await withTimeout(sent, 5_000, 'a turn request to aim the kill at').catch(() => {});
    await sleep(delay);
    return;
  }
  life.stopping = true;
  await withTimeout(Promise.all([...running, followUp]), 60_000, 'clients finishing before a quiet kill');
  await sleep(random.between(0, 300));
}

/** [median, 90th percentile, max], rounded to ms. */
function spread(values: number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0);
  return [at(0.5), at(0.9), Math.round(sorted.at(-1) ?? 0)];
}

class CycleFailure extends Error {
  override name = 'CycleFailure';
}

/**
 * Answers read to `[DONE]` must be stored with that status and text: this cycle's, and a sample of
 * older ones (a later crash must not undo them either). Returns the violations; marks what it checked.
 */
async function checkDelivered(health: HealthCheck, ledger: WorkloadLedger, random: SeededRandom): Promise<string[]> {
  const fresh = ledger.delivered.filter((entry) => !entry.checked);
  const old = ledger.delivered.filter((entry) => entry.checked);
  const sample = Array.from({ length: Math.min(10, old.length) }, () => random.pick(old));
  const violations: string[] = [];
  for (const entry of [...fresh, ...sample]) {
    entry.checked = true;
    const stored = await health.storedMessage(entry.conversationId, entry.messageId);
    if (!stored) violations.push(`delivered answer ${entry.messageId} is missing (${entry.what})`);
    else if (stored.status !== entry.status || stored.text !== entry.text) {
      violations.push(
        `delivered answer ${entry.messageId} was ${entry.status} with ${entry.text.length} chars, is stored ${stored.status} with ${stored.text.length} chars (${entry.what})`,
      );
    }
  }
  return violations;
}

/** One server life's clients: a fresh connection pool, destroyed after the kill. */
/** One server's clients for one cycle: a connection pool of their own, destroyed after the cycle. */
export function newLife(url: string): Life {
  const agent = new http.Agent({ keepAlive: true });
  return {
    target: (user) => ({ url, token: user.token, agent }),
    agent,
    killed: false,
    stopping: false,
    traffic: { waiting: 0, streaming: 0, other: 0 },
  };
}

/** Runs `cycles` kill/restart cycles; resolves with the figures, or throws at the first violation. */
export async function runCrashHarness(options: CrashHarnessOptions): Promise<CrashReport> {
  const started = performance.now();
  const random = seededRandom(options.seed);
  const leaseSeconds = options.leaseSeconds ?? 1;
  const site = await createSite(options.kind, {
    users: ['ada', 'ben'],
    config: {
      providers: [{ type: 'demo', id: 'demo', tokenDelayMs: options.tokenDelayMs ?? 3 }],
      limits: { messages: { cap: 0 }, concurrentStreams: 0 },
      telemetry: { enabled: false },
    },
    env: {
      BACKCHAT_GENERATION_LEASE_SECONDS: String(leaseSeconds),
      BACKCHAT_SHUTDOWN_GRACE_SECONDS: '1',
    },
  });
  // Two spares: a start killed at once is followed by another warm one.
  const launcher = new ServerLauncher(site, { spares: 2 });
  const ledger = newLedger();
  const actors = Array.from({ length: options.actors ?? 3 }, (_, index) => {
    const user = site.users[index % site.users.length];
    if (!user) throw new Error('the site has no users');
    return new Actor(`actor${index}`, user, random.fork(), ledger, {
      abortShare: 0.2,
      backgroundShare: 0.5,
      model: 'demo',
    });
  });
  const kills: Record<KillPhase, number> = { starting: 0, waiting: 0, streaming: 0, request: 0, idle: 0 };
  const recovery: number[] = [];
  const restarts: number[] = [];
  let server: ServerHandle | undefined;
  let streamsCut = 0;
  let cycle = 0;
  const fail = (what: string, details: string[]): never => {
    const output = server?.process.output();
    throw new CycleFailure(
      `crash harness, seed ${options.seed} (BACKCHAT_CRASH_SEED=${options.seed}), ${options.kind}, cycle ${cycle}: ${what}\n` +
        `${details.slice(0, 40).join('\n')}${details.length > 40 ? `\n… ${details.length - 40} more` : ''}` +
        `\n--- the last kills and starts: ${ledger.serverEvents.slice(-8).join(', ')}` +
        `\n--- server stderr (tail):\n${output?.stderr.slice(-2000) ?? ''}`,
    );
  };

  /** Starts the server; sometimes kills it while it starts, then starts it again. */
  const restart = async (): Promise<ServerHandle> => {
    if (cycle > 0 && random.chance(options.startupKillShare ?? 0.1)) {
      const doomed = await launcher.start({ waitReady: false });
      let listening = false;
      doomed.ready.then(
        () => {
          listening = true;
        },
        () => {},
      );
      await sleep(random.between(0, 250));
      kills[listening ? 'idle' : 'starting']++;
      ledger.serverEvents.push(`SIGKILL while starting at ${Math.round(performance.now() - ledger.startedAt)} ms`);
      await launcher.kill(doomed);
    }
    const handle = await launcher.start();
    restarts.push(performance.now() - handle.startedAt);
    ledger.serverEvents.push(`listening at ${Math.round(performance.now() - ledger.startedAt)} ms`);
    return handle;
  };

  /**
   * The checks after a restart. The structural ones first; then the follow-up turn starts, and while it
   * runs the answers cut by the kill must leave `in_progress` within the lease and a margin — the
   * follow-up's answer is the only one being written, so that wait ending is T6. Resolves then, with the
   * follow-up still running: its promise rejects if it fails.
   */
  const checkAfterRestart = async (
    life: Life,
    checker: Actor,
    killedAt: number | undefined,
  ): Promise<{ followUp: Promise<void> }> => {
    const health = await openHealthCheck(site.database);
    try {
      const storage = await health.storageViolations();
      if (storage.length > 0) fail('storage check', storage);
      const tree = await checkTreeInvariants(site.database, {
        acknowledged: ledger.acknowledged,
        allowInProgress: true,
      });
      if (tree.length > 0) fail('tree invariants', [...tree, ...attemptsNamedIn(ledger, tree)]);
      const copies = await health.duplicateViolations();
      if (copies.length > 0) fail('a retried turn was stored twice', [...copies, ...attemptsNamedIn(ledger, copies)]);
      const delivered = await checkDelivered(health, ledger, random);
      if (delivered.length > 0) fail('answers read to [DONE] are not stored as delivered', delivered);
      const check = checker.followUpCheck(life);
      const followUp = check.failure.then((failure) => {
        if (failure) fail('the follow-up turn after the restart failed', [failure]);
      });
      followUp.catch(() => {});
      // The margin covers the sweep interval (half a lease) and a start-up slowed by a loaded machine.
      const timeoutMs = leaseSeconds * 1000 + 10_000;
      let left: string[] = [];
      await pollUntil(
        async () => {
          left = await health.inProgressAnswers(check.userMessageId);
          return left.length === 0 ? true : undefined;
        },
        'answers cut by the kill leave in_progress',
        { timeoutMs, intervalMs: 50 },
      ).catch(() =>
        fail(`T6: answers still in_progress ${timeoutMs} ms after the restart (lease ${leaseSeconds} s)`, left),
      );
      if (killedAt !== undefined) recovery.push(performance.now() - killedAt);
      return { followUp };
    } finally {
      await health.close();
    }
  };

  try {
    server = await restart();
    let killedAt: number | undefined;
    for (cycle = 1; cycle <= options.cycles; cycle++) {
      const life = newLife(site.url);
      const checker = actors[cycle % actors.length] as Actor;
      const { followUp } = await checkAfterRestart(life, checker, killedAt);
      // The checker joins the others once its follow-up is over (one turn at a time per chat).
      const running = actors.map((actor) =>
        actor === checker
          ? followUp.then(
              () => actor.run(life),
              () => {},
            )
          : actor.run(life),
      );
      await killMoment(life, running, followUp, random);
      const { streaming, waiting, other } = life.traffic;
      kills[waiting > 0 ? 'waiting' : streaming > 0 ? 'streaming' : other > 0 ? 'request' : 'idle']++;
      streamsCut += streaming;
      life.killed = true;
      life.stopping = true;
      killedAt = performance.now();
      ledger.serverEvents.push(`cycle ${cycle} SIGKILL at ${Math.round(killedAt - ledger.startedAt)} ms`);
      await launcher.kill(server);
      await withTimeout(Promise.all(running), 20_000, 'clients settling after the kill');
      life.agent.destroy();
      for (const actor of actors) actor.afterKill();
      if (ledger.failures.length > 0) fail('requests failed before the kill', ledger.failures);
      server = await restart();
      options.log?.(`${options.kind} cycle ${cycle}: ${ledger.acknowledged.length} acknowledged`);
    }
    // The last restart is checked like the others.
    const last = newLife(site.url);
    await (await checkAfterRestart(last, actors[0] as Actor, killedAt)).followUp;
    last.agent.destroy();
    cycle = options.cycles;
    return {
      kind: options.kind,
      seed: options.seed,
      cycles: options.cycles,
      wallMs: Math.round(performance.now() - started),
      kills,
      streamsCut,
      acknowledged: new Set(ledger.acknowledged.map((entry) => entry.messageId)).size,
      deliveredChecked: ledger.delivered.filter((entry) => entry.checked).length,
      operations: Object.fromEntries([...ledger.counts].sort()),
      recoveryMs: spread(recovery),
      restartMs: spread(restarts),
    };
  } finally {
    if (server) await launcher.kill(server).catch(() => {});
    await launcher.close();
    await site.drop();
  }
}
