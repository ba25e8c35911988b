/** forEachDatabase: an unreachable PostgreSQL is a visible skip, or a failure under BACKCHAT_REQUIRE_ALL=1. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/for-each-database.fixture.ts', import.meta.url));

function runFixture(env: Record<string, string>): { output: string; status: number | null } {
  // Without NODE_TEST_CONTEXT the child is a test run of its own, not a subprocess of this one.
  const { NODE_TEST_CONTEXT: _, ...parentEnv } = process.env;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', fixture], {
    env: { ...parentEnv, BACKCHAT_REQUIRE_ALL: '', ...env },
    encoding: 'utf8',
  });
  return { output: result.stdout + result.stderr, status: result.status };
}

const unreachable = { BACKCHAT_TEST_PG_URL: 'postgres://postgres@127.0.0.1:1/test' };

test('forEachDatabase: without PostgreSQL, a visible skip names the address and the variable', () => {
  const { output, status } = runFixture(unreachable);
  assert.equal(status, 0, output);
  assert.match(output, /sqlite: registered/);
  assert.match(output, /postgres: skipped — no PostgreSQL at 127\.0\.0\.1:1 \(set BACKCHAT_TEST_PG_URL\)/);
  assert.match(output, /ℹ skipped 1/);
});

test('forEachDatabase: under BACKCHAT_REQUIRE_ALL=1 a missing PostgreSQL fails the run', () => {
  const { output, status } = runFixture({ ...unreachable, BACKCHAT_REQUIRE_ALL: '1' });
  assert.equal(status, 1, output);
  assert.match(output, /postgres: FAILED — no PostgreSQL at 127\.0\.0\.1:1/);
  assert.match(output, /ℹ skipped 0/);
});
