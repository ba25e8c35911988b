/** Registers the crash harness (test/helpers/crash-harness.ts) on SQLite and PostgreSQL, side by side. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll } from '../helpers/cli-process.js';
import { runCrashHarness } from '../helpers/crash-harness.js';
import { forEachDatabase } from '../helpers/databases.js';
import { chooseSeed } from '../helpers/seeded-random.js';
import { buildServerIfStale } from '../helpers/server-process.js';

export function registerCrashHarness(options: { cycles: number }): void {
  const seed = chooseSeed('BACKCHAT_CRASH_SEED');
  // Each cycle costs 1–3 s; the bound is generous for a loaded machine.
  const timeout = 60_000 + options.cycles * 15_000;

  before(() => buildServerIfStale(), { timeout: 300_000 });
  after(() => killAll());

  describe(`crash harness, ${options.cycles} cycles per database`, { concurrency: 2 }, () => {
    forEachDatabase((kind) => {
      test(`${kind}: SIGKILL at random moments never corrupts, loses or duplicates anything`, {
        timeout,
      }, async (t) => {
        t.diagnostic(`seed ${seed} (replay with BACKCHAT_CRASH_SEED=${seed})`);
        const report = await runCrashHarness({ kind, cycles: options.cycles, seed });
        t.diagnostic(JSON.stringify(report));
        assert.equal(report.cycles, options.cycles);
        assert.ok(report.acknowledged > 0, 'the workload got turns acknowledged');
      });
    });
  });
}
