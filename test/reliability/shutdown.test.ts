/**
 * SIGTERM drains (docs/reliability.md): a real `backchat serve` process with three answers being written
 * (the demo model at 25 ms a token: ≈ 4 s an answer) gets SIGTERM.
 *
 * - Default grace (30 s): `/healthz` answers 503 `{"status": "draining"}` and a new turn is refused with
 *   503 and `Retry-After` while the three finish; each client gets its complete answer and `[DONE]`, the
 *   answers are stored as delivered, and the process exits with code 0.
 * - `BACKCHAT_SHUTDOWN_GRACE_SECONDS=1`: the three are stopped after the grace — stored
 *   `finished_partial_completion` / `interrupted`, keeping what the clients saw — nothing stays
 *   `in_progress`, and the process exits with code 0 soon after.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { killAll } from '../helpers/cli-process.js';
import { forEachDatabase } from '../helpers/databases.js';
import { openHealthCheck } from '../helpers/db-health.js';
import { buildServerIfStale, createSite, ServerLauncher, type Site } from '../helpers/server-process.js';
import { postTurn, requestJson, type Target, type TurnOutcome } from '../helpers/stream-client.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { userMessage } from '../helpers/turns.js';

const tokenDelayMs = 25;

function turnBody(text: string) {
  return {
    action: 'next',
    messages: [userMessage(text, crypto.randomUUID())],
    parent_message_id: crypto.randomUUID(),
    model: 'demo',
  };
}

/** Three answers being written: resolves once each has sent its first event, with their outcomes to come. */
async function threeLiveAnswers(target: Target): Promise<Promise<TurnOutcome>[]> {
  const started: Promise<void>[] = [];
  const outcomes = [1, 2, 3].map((n) => {
    let acknowledge: () => void = () => {};
    started.push(
      new Promise<void>((resolve) => {
        acknowledge = resolve;
      }),
    );
    const outcome = postTurn(target, turnBody(`Answer number ${n}, please, at length`), {
      timeoutMs: 60_000,
      onPayload: (_payload, index) => {
        if (index === 0) acknowledge();
      },
    });
    // A turn that fails before its first event must not leave the wait hanging.
    void outcome.then(() => acknowledge());
    return outcome;
  });
  await withTimeout(Promise.all(started), 20_000, 'three answers starting');
  return outcomes;
}

/** Polls healthz until it says draining; records what a new turn gets meanwhile. */
async function watchDraining(target: Target) {
  const health = await pollUntil(
    async () => {
      const response = await requestJson(target, 'GET', '/healthz', undefined, 2000);
      return response.status === 503 ? response : undefined;
    },
    'healthz saying draining',
    { timeoutMs: 5000, intervalMs: 20 },
  );
  const refused = await postTurn(target, turnBody('One more, please'), { timeoutMs: 5000 });
  return { health, refused };
}

/**
 * Starts the site's server, gets three answers going, sends SIGTERM: healthz must say draining and a
 * new turn be refused meanwhile, and the process must exit with code 0 within `exitTimeoutMs`.
 * Resolves with the three turns' outcomes and how long the process took to exit.
 */
async function drain(site: Site, env: Record<string, string>, exitTimeoutMs: number) {
  const launcher = new ServerLauncher(site, { spares: 0, env });
  try {
    const server = await launcher.start();
    const target: Target = { url: site.url, token: site.users[0]?.token };
    const outcomes = await threeLiveAnswers(target);
    const signalledAt = performance.now();
    server.process.child.kill('SIGTERM');
    const { health, refused } = await watchDraining(target);
    assert.deepEqual(health.json, { status: 'draining' });
    assert.equal(refused.status, 503, `a new turn while draining got ${refused.status}: ${refused.body}`);
    assert.match(String(refused.headers['retry-after'] ?? ''), /^\d+$/, 'the refusal says when to retry');
    assert.equal(refused.payloads.length, 0);
    const ended = await Promise.all(outcomes);
    const exit = await server.process.exited(exitTimeoutMs);
    assert.equal(exit.code, 0, `exit ${exit.code} (${exit.signal})\n${exit.stderr}`);
    return { ended, exitMs: performance.now() - signalledAt };
  } finally {
    await launcher.close();
  }
}

before(() => buildServerIfStale(), { timeout: 300_000 });
after(() => killAll());

forEachDatabase((kind) => {
  let site: Site;

  before(async () => {
    site = await createSite(kind, {
      users: ['ada'],
      config: {
        providers: [{ type: 'demo', id: 'demo', tokenDelayMs }],
        limits: { messages: { cap: 0 }, concurrentStreams: 0 },
        telemetry: { enabled: false },
      },
    });
  });
  after(async () => {
    killAll();
    await site?.drop();
  });

  test(`${kind}: SIGTERM lets three running answers finish within the grace, refuses new turns, exits 0`, async () => {
    const { ended: finished, exitMs } = await drain(site, {}, 35_000);
    const check = await openHealthCheck(site.database);
    try {
      for (const outcome of finished) {
        assert.equal(outcome.status, 200);
        assert.equal(outcome.error, undefined);
        assert.ok(outcome.done, 'the client got [DONE]');
        assert.equal(outcome.last?.status, 'finished_successfully');
        const text = (outcome.last?.content.parts ?? []).join('');
        const stored = await check.storedMessage(outcome.conversationId ?? '', outcome.last?.id ?? '');
        assert.equal(stored?.status, 'finished_successfully');
        assert.equal(stored?.text, text, 'stored as delivered');
        assert.ok(text.length > 200, `a complete demo answer (${text.length} characters)`);
      }
      assert.deepEqual(await check.inProgressAnswers(), []);
    } finally {
      await check.close();
    }
    assert.deepEqual(await checkTreeInvariants(site.database), []);
    assert.ok(exitMs < 30_000, `exited ${Math.round(exitMs)} ms after SIGTERM`);
  });

  test(`${kind}: with BACKCHAT_SHUTDOWN_GRACE_SECONDS=1 the running answers are kept, marked interrupted, and it exits 0`, async () => {
    const { ended, exitMs } = await drain(site, { BACKCHAT_SHUTDOWN_GRACE_SECONDS: '1' }, 15_000);
    assert.ok(exitMs < 10_000, `exited ${Math.round(exitMs)} ms after SIGTERM with a 1 s grace`);
    const check = await openHealthCheck(site.database);
    try {
      for (const outcome of ended) {
        const seen = (outcome.last?.content.parts ?? []).join('');
        const stored = await check.storedMessage(outcome.conversationId ?? '', outcome.last?.id ?? '');
        assert.ok(stored, 'the answer is stored');
        assert.equal(stored.status, 'finished_partial_completion');
        assert.equal((stored.metadata.finish_details as { type?: string } | undefined)?.type, 'interrupted');
        assert.ok(stored.text.length > 0 && stored.text.startsWith(seen), 'keeps what the client saw');
        assert.notEqual(outcome.last?.status, 'finished_successfully', 'not complete after a 1 s grace');
      }
      assert.deepEqual(await check.inProgressAnswers(), []);
    } finally {
      await check.close();
    }
    assert.deepEqual(await checkTreeInvariants(site.database), []);
    // The site's next server starts on the same database cleanly.
    const launcher = new ServerLauncher(site, { spares: 0 });
    const again = await launcher.start();
    assert.equal((await requestJson({ url: site.url }, 'GET', '/healthz')).status, 200);
    await launcher.kill(again, 'SIGTERM');
    await launcher.close();
  });
});
