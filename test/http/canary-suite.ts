/**
 * Registers the cross-user canary test (canary-workload.ts) on SQLite and PostgreSQL, with the
 * production limits on: 0 foreign canaries in any response, 0 failed operations that were not
 * aborted, and afterwards sound trees (T1–T7, every acknowledged turn present, nothing left
 * in_progress) and every user's list holding exactly their own conversations.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defaultLimits } from '../../src/limits/limits-config.js';
import { pollUntil } from '../helpers/bounded.js';
import { forEachDatabase } from '../helpers/databases.js';
import type { TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { type ServerWithUpstream, startServerWithFakeUpstream } from '../helpers/upstream-server.js';
import { describeReport } from './canary-report.js';
import { echoCanaryReply, runWorkload, seedParticipants, type WorkloadOptions } from './canary-workload.js';

export const defaultCanarySeed = 20230320;

function canarySeed(): number {
  const configured = Number(process.env.BACKCHAT_FUZZ_SEED ?? defaultCanarySeed);
  return Number.isInteger(configured) ? configured : defaultCanarySeed;
}

type Participants = Awaited<ReturnType<typeof seedParticipants>>;

/** Each user lists exactly their own conversations, every title still carrying its own canary. */
async function ownListsProblems(server: TestServer, participants: Participants): Promise<string[]> {
  const problems: string[] = [];
  for (const { index, user, conversations } of participants) {
    const response = await server.request('/backend-api/conversations?offset=0&limit=100', { as: user });
    const { items } = (await response.json()) as { items: Array<{ id: string; title: string }> };
    const expected = new Map(conversations.map((c) => [c.id, c.canary]));
    if (items.length !== expected.size) problems.push(`user ${index} lists ${items.length} conversations`);
    for (const item of items) {
      const canary = expected.get(item.id);
      if (!canary || !item.title.includes(canary)) problems.push(`user ${index} lists ${item.id} "${item.title}"`);
    }
  }
  return problems;
}

export function registerCanarySuite(options: Omit<WorkloadOptions, 'seed'>): void {
  const seed = canarySeed();
  forEachDatabase((kind) => {
    let rig: ServerWithUpstream;
    let server: TestServer;
    let participants: Participants;

    before(async () => {
      rig = await startServerWithFakeUpstream(kind, { models: ['canary-model'], config: { limits: defaultLimits } });
      rig.upstream.script(echoCanaryReply);
      server = rig.server;
      participants = await seedParticipants(server, options);
    });
    after(() => rig.close());

    const shape = `${options.users} users × ${options.conversationsPerUser} conversations, ${options.operations} operations by ${options.workers} workers`;
    test(`${kind}: ${shape}, a quarter aborted: no response carries another user's canary`, async (t) => {
      const report = await runWorkload(server, participants, { ...options, seed });
      t.diagnostic(`seed ${seed} (operation mix; set BACKCHAT_FUZZ_SEED to change it)`);
      for (const line of describeReport(report)) t.diagnostic(line);
      assert.ok(report.ownCanaries > report.operations / 2, `only ${report.ownCanaries} own canaries seen`);
      assert.deepEqual(report.leaks, []);
      assert.deepEqual(report.errors.slice(0, 20), []);
      assert.equal(report.operations, options.operations);
      assert.ok(report.abortsPlanned >= 0.2 * report.operations, `only ${report.abortsPlanned} aborts planned`);
      assert.ok(report.abortsEffective > 0, 'no request was actually cut by its abort');

      // Aborted answers finish persisting in the background: wait for nothing to be in_progress.
      await pollUntil(
        async () => ((await checkTreeInvariants(server.db.config)).some((v) => v.startsWith('T6')) ? undefined : true),
        'every aborted answer persisted',
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      assert.deepEqual(await checkTreeInvariants(server.db.config, { acknowledged: report.acknowledged }), []);
      assert.deepEqual(await ownListsProblems(server, participants), []);
    });
  });
}
