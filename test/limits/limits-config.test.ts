/** The `limits` and `trustProxy` configuration: defaults, partial overrides, and refusals that name the key. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { defaultLimits } from '../../src/limits/limits-config.js';

/** loadConfig with `file` as the config file and `env` as the environment. */
function configWith(file: unknown, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'backchat-limits-config-'));
  const path = join(dataDir, 'backchat.config.json');
  writeFileSync(path, JSON.stringify(file));
  return loadConfig({ ...env, BACKCHAT_CONFIG: path }, { dataDir });
}

test('no limits key: the documented defaults, and trustProxy off', () => {
  const config = configWith({});
  assert.deepEqual(config.limits, {
    messages: { cap: 300, windowMinutes: 180 },
    models: {},
    concurrentStreams: 3,
    login: { perAccount: 10, perIp: 30, windowMinutes: 15 },
    telemetryPerIpPerMinute: 120,
  });
  assert.deepEqual(config.limits, defaultLimits);
  assert.equal(config.trustProxy, false);
});

test('a partial limits key keeps the other defaults; 0 is accepted (off)', () => {
  const config = configWith({
    limits: {
      messages: { cap: 0 },
      models: { 'gpt-4o': { cap: 40, windowMinutes: 180 } },
      login: { perIp: 5 },
    },
  });
  assert.deepEqual(config.limits.messages, { cap: 0, windowMinutes: 180 });
  assert.deepEqual(config.limits.models, { 'gpt-4o': { cap: 40, windowMinutes: 180 } });
  assert.deepEqual(config.limits.login, { perAccount: 10, perIp: 5, windowMinutes: 15 });
  assert.equal(config.limits.concurrentStreams, 3);
});

test('bad limits are refused at start-up, naming the key', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ limits: { messages: { cap: -1 } } }, /limits\.messages\.cap/],
    [{ limits: { concurrentStreams: 1.5 } }, /limits\.concurrentStreams/],
    [{ limits: { login: { windowMinutes: 0 } } }, /limits\.login\.windowMinutes/],
    [{ limits: { models: { slow: { cap: 3 } } } }, /limits\.models\.slow\.windowMinutes/],
    [{ limits: { telemetryPerIpPerMinute: '120' } }, /limits\.telemetryPerIpPerMinute/],
    [{ limits: { messagesPerDay: 5 } }, /limits/],
    [{ trustProxy: 2 }, /trustProxy/],
    [{ trustProxy: ['10.0.0.0/8', 'proxy.example'] }, /trustProxy: "proxy\.example"/],
  ];
  for (const [file, message] of cases) {
    assert.throws(
      () => configWith(file),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  }
});

test('trustProxy from the file or BACKCHAT_TRUST_PROXY (which wins)', () => {
  assert.deepEqual(configWith({ trustProxy: ['127.0.0.1', 'loopback', 'fd00::/8'] }).trustProxy, [
    '127.0.0.1',
    'loopback',
    'fd00::/8',
  ]);
  assert.equal(configWith({ trustProxy: ['10.0.0.1'] }, { BACKCHAT_TRUST_PROXY: 'true' }).trustProxy, true);
  assert.equal(configWith({}, { BACKCHAT_TRUST_PROXY: 'off' }).trustProxy, false);
  assert.deepEqual(configWith({}, { BACKCHAT_TRUST_PROXY: ' 10.0.0.1, 192.168.0.0/16 ' }).trustProxy, [
    '10.0.0.1',
    '192.168.0.0/16',
  ]);
  assert.throws(() => configWith({}, { BACKCHAT_TRUST_PROXY: '10.0.0.1/abc' }), /BACKCHAT_TRUST_PROXY/);
});
