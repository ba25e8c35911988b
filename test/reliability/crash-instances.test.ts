/**
 * Crash cycles with two instances on PostgreSQL + Redis (docs/reliability.md, docs/deploy.md): answers
 * are written on both instances; one of them is SIGKILLed at a random moment while some of its answers
 * stream. Before it is started again, the SURVIVING instance must mark every answer the dead one was
 * writing interrupted (its partial text kept) once the lease runs out, report it not streaming
 * (stream_status, through the shared hub), keep serving — its own answers finish, a new turn works, the
 * conversations of the dead instance's answers continue through it — and the database must hold sound
 * trees (T1–T7, every acknowledged user message present). Then the dead instance comes back, and the
 * next cycle kills the other one. Seeded: replay with BACKCHAT_CRASH_SEED=<n>.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollUntil } from '../helpers/bounded.js';
import { killAll } from '../helpers/cli-process.js';
import { type Cluster, describeWithCluster, startCluster } from '../helpers/cluster.js';
import { type HttpReply, httpRequest, SseReader } from '../helpers/http-exchange.js';
import { openTestRedis, type TestRedis } from '../helpers/redis.js';
import { chooseSeed, seededRandom } from '../helpers/seeded-random.js';
import { buildServerIfStale, type SiteUser } from '../helpers/server-process.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';

const cycles = 12;
const leaseSeconds = 2;

interface Turn {
  conversationId: string;
  userMessageId: string;
  answerId: string;
  instance: number;
}

const bearer = (user: SiteUser) => ({ authorization: `Bearer ${user.token}` });

function turnBody(text: string, parent?: { conversationId: string; answerId: string }) {
  return {
    action: 'next',
    messages: [{ id: randomUUID(), author: { role: 'user' }, content: { content_type: 'text', parts: [text] } }],
    parent_message_id: parent?.answerId ?? randomUUID(),
    model: 'demo',
    ...(parent && { conversation_id: parent.conversationId }),
  };
}

describeWithCluster('crash cycles with two instances on PostgreSQL + Redis', {}, () => {
  let redis: TestRedis;
  let cluster: Cluster;
  let users: SiteUser[];
  const seed = chooseSeed('BACKCHAT_CRASH_SEED');
  const random = seededRandom(seed);
  const acknowledged: Array<{ conversationId: string; messageId: string }> = [];

  before(
    async () => {
      await buildServerIfStale();
      redis = await openTestRedis();
      cluster = await startCluster({
        instances: 2,
        users: ['ada', 'ben'],
        config: {
          providers: [{ type: 'demo', id: 'demo', tokenDelayMs: 4 }],
          limits: { messages: { cap: 0 }, concurrentStreams: 0 },
          telemetry: { enabled: false },
        },
        redis,
        env: { BACKCHAT_GENERATION_LEASE_SECONDS: String(leaseSeconds), BACKCHAT_SHUTDOWN_GRACE_SECONDS: '1' },
      });
      users = cluster.site.users;
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      await cluster?.close().catch(() => {});
      await redis?.close().catch(() => {});
      killAll();
    },
    { timeout: 60_000 },
  );

  const url = (index: number) => cluster.instances[index]?.url ?? '';

  /** Starts a background turn on `instance`; resolves once its stream carries text (the answer runs). */
  async function startTurn(instance: number, user: SiteUser, parent?: Turn): Promise<Turn & { stream: SseReader }> {
    const body = turnBody(`cycle turn ${randomUUID()}`, parent);
    const stream = await SseReader.open(url(instance), '/backend-api/conversation', {
      method: 'POST',
      json: body,
      headers: { ...bearer(user), 'x-backchat-background': '1' },
    });
    assert.equal(stream.status, 200, `turn on instance ${instance + 1}: ${stream.status}`);
    await stream.until(() => stream.answerText() !== '' || stream.done(), 'the answer to start', 20_000);
    const conversationId = stream.conversationId();
    const answerId = stream.finalMessage()?.id;
    assert.ok(conversationId && answerId);
    const userMessageId = (body.messages[0] as { id: string }).id;
    acknowledged.push({ conversationId, messageId: userMessageId });
    return { conversationId, userMessageId, answerId, instance, stream };
  }

  async function storedAnswer(base: string, user: SiteUser, turn: Turn) {
    const reply = await httpRequest(base, `/backend-api/conversation/${turn.conversationId}`, {
      headers: bearer(user),
    });
    assert.equal(reply.status, 200, reply.text);
    const mapping = (reply.json as { mapping: Record<string, { message: Record<string, unknown> | null }> }).mapping;
    return mapping[turn.answerId]?.message as
      | { status: string; content: { parts: string[] }; metadata: Record<string, unknown> }
      | undefined;
  }

  test(`${cycles} cycles: the survivor marks the dead instance's answers interrupted and carries on`, {
    timeout: 600_000,
  }, async (t) => {
    const recoveries: number[] = [];
    let cut = 0;
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const victim = cycle % 2;
      const survivor = 1 - victim;
      const user = users[cycle % users.length] as SiteUser;
      // Answers on both instances; some of the victim's continue earlier conversations.
      const onVictim = await Promise.all(Array.from({ length: random.between(1, 3) }, () => startTurn(victim, user)));
      const onSurvivor = await startTurn(survivor, user);
      await sleep(random.between(0, 400));
      const killedAt = performance.now();
      await cluster.kill(victim);
      const live = onVictim.filter((turn) => !turn.stream.done());
      cut += live.length;

      // The survivor keeps serving at once: its own answer ends, a new turn works.
      await onSurvivor.stream.until(() => onSurvivor.stream.done(), "the survivor's own answer to end", 30_000);
      const fresh = await startTurn(survivor, user);
      await fresh.stream.until(() => fresh.stream.done(), 'a new turn on the survivor', 30_000);

      // Within the lease (and a margin for the sweep and a loaded machine), through the survivor only.
      for (const turn of live) {
        let last: string | undefined;
        await pollUntil(
          async () => {
            const stored = await storedAnswer(url(survivor), user, turn);
            last = stored?.status;
            return stored?.status === 'finished_partial_completion' ? stored : undefined;
          },
          `cycle ${cycle} (seed ${seed}): the survivor marks answer ${turn.answerId} interrupted (still ${last})`,
          { timeoutMs: leaseSeconds * 1000 + 10_000, intervalMs: 100 },
        );
        const stored = await storedAnswer(url(survivor), user, turn);
        assert.equal((stored?.metadata.finish_details as { type?: string })?.type, 'interrupted');
        const status = await httpRequest(
          url(survivor),
          `/backend-api/conversation/${turn.conversationId}/stream_status`,
          {
            headers: bearer(user),
          },
        );
        assert.equal(status.status, 200, status.text);
        await pollUntil(
          async () => {
            const reply: HttpReply = await httpRequest(
              url(survivor),
              `/backend-api/conversation/${turn.conversationId}/stream_status`,
              { headers: bearer(user) },
            );
            return (reply.json as { status?: string }).status === 'IS_NOT_STREAMING' ? true : undefined;
          },
          `cycle ${cycle}: the survivor reports ${turn.conversationId} not streaming`,
          { timeoutMs: leaseSeconds * 1000 + 10_000, intervalMs: 100 },
        );
      }
      if (live.length > 0) recoveries.push(performance.now() - killedAt);
      // The user carries on in those conversations through the survivor.
      for (const turn of live) {
        const next = await startTurn(survivor, user, turn);
        await next.stream.until(() => next.stream.done(), 'the follow-up on the survivor', 30_000);
      }
      for (const turn of onVictim) turn.stream.close();

      const violations = await checkTreeInvariants(cluster.site.database, { acknowledged, allowInProgress: false });
      assert.deepEqual(violations, [], `cycle ${cycle} (seed ${seed}): tree invariants`);
      await cluster.start(victim);
    }
    recoveries.sort((a, b) => a - b);
    const median = recoveries[Math.floor(recoveries.length / 2)] ?? 0;
    t.diagnostic(
      `seed ${seed}: ${cycles} kills, ${cut} answers cut mid-stream and marked interrupted by the survivor, ` +
        `${acknowledged.length} acknowledged user messages present, 0 violations; ` +
        `kill → every cut answer marked and reported not streaming: median ${Math.round(median)} ms, max ${Math.round(recoveries.at(-1) ?? 0)} ms`,
    );
  });
});
