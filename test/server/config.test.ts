/** Configuration of answers' lifetimes: the shutdown grace, the lease length, the demo pace. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { listenUrl, publicBaseUrl } from '../../src/server/public-url.js';

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

test('publicUrl: from BACKCHAT_PUBLIC_URL or the config file, kept as an origin without a trailing slash', () => {
  assert.equal(loadConfig({}, { dataDir: dataDir() }).publicUrl, undefined);
  const fromEnv = loadConfig({ BACKCHAT_PUBLIC_URL: 'https://Chat.Example.org/' }, { dataDir: dataDir() });
  assert.equal(fromEnv.publicUrl, 'https://chat.example.org');
  const dir = dataDir();
  writeFileSync(join(dir, 'backchat.config.json'), JSON.stringify({ publicUrl: 'http://10.0.0.5:8080' }));
  assert.equal(loadConfig({}, { dataDir: dir }).publicUrl, 'http://10.0.0.5:8080');
  assert.equal(
    loadConfig({ BACKCHAT_PUBLIC_URL: 'https://env.example' }, { dataDir: dir }).publicUrl,
    'https://env.example',
  );
});

test('publicUrl: anything but a bare http(s) origin is refused at start-up, naming the setting', () => {
  const refused = [
    'chat.example.org',
    'ftp://chat.example.org',
    'javascript:alert(1)',
    'https://chat.example.org/backchat',
    'https://chat.example.org/?x=1',
    'https://chat.example.org/#top',
    'https://user:pw@chat.example.org',
  ];
  for (const value of refused) {
    assert.throws(
      () => loadConfig({ BACKCHAT_PUBLIC_URL: value }, { dataDir: dataDir() }),
      (error: Error) => error instanceof ConfigError && /BACKCHAT_PUBLIC_URL/.test(error.message),
      value,
    );
  }
  const dir = dataDir();
  writeFileSync(join(dir, 'backchat.config.json'), JSON.stringify({ publicUrl: 'https://x.example/path' }));
  assert.throws(
    () => loadConfig({}, { dataDir: dir }),
    (error: Error) => error instanceof ConfigError && /publicUrl/.test(error.message),
  );
});

test('without publicUrl, links use the listen address (the port actually bound; loopback for "every interface")', () => {
  assert.equal(publicBaseUrl('https://chat.example.org', '0.0.0.0', null), 'https://chat.example.org');
  const bound = { address: '127.0.0.1', family: 'IPv4', port: 41234 };
  assert.equal(publicBaseUrl(undefined, '127.0.0.1', bound), 'http://127.0.0.1:41234');
  assert.equal(publicBaseUrl(undefined, '0.0.0.0', bound), 'http://127.0.0.1:41234');
  assert.equal(listenUrl('::1', 3000), 'http://[::1]:3000');
  assert.equal(listenUrl('chat.lan', 3000), 'http://chat.lan:3000');
});
