/** Configuration of answers' lifetimes: the shutdown grace, the lease length, the demo pace. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'backchat-config-test-'));

test('defaults: 30 s of shutdown grace, 15 s leases, the demo model at its own pace', () => {
  const config = loadConfig({}, { dataDir: dataDir() });
  assert.equal(config.shutdownGraceSeconds, 30);
  assert.equal(config.generationLeaseSeconds, 15);
  assert.equal(config.demoTokenDelayMs, undefined);
});

test('the variables set them; 0 s of grace is allowed, a 0 s lease is not', () => {
  const config = loadConfig(
    {
      BACKCHAT_SHUTDOWN_GRACE_SECONDS: '0',
      BACKCHAT_GENERATION_LEASE_SECONDS: '1.5',
      BACKCHAT_DEMO_TOKEN_DELAY_MS: '5',
    },
    { dataDir: dataDir() },
  );
  assert.deepEqual([config.shutdownGraceSeconds, config.generationLeaseSeconds, config.demoTokenDelayMs], [0, 1.5, 5]);
  assert.throws(
    () => loadConfig({ BACKCHAT_GENERATION_LEASE_SECONDS: '0' }, { dataDir: dataDir() }),
    (error: Error) => error instanceof ConfigError && /BACKCHAT_GENERATION_LEASE_SECONDS/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ BACKCHAT_SHUTDOWN_GRACE_SECONDS: 'soon' }, { dataDir: dataDir() }),
    (error: Error) => error instanceof ConfigError && /BACKCHAT_SHUTDOWN_GRACE_SECONDS/.test(error.message),
  );
});
