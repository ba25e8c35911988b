/**
 * The account screens' pure logic, without a browser: user agents in words, relative times, the
 * password rules checked before a form is sent, token and invite labels.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inviteStatus, inviteUrl } from '../../web/src/lib/invite-status.js';
import { newPasswordProblem, passwordProblem } from '../../web/src/lib/password-rules.js';
import { formatDate, isPast, parseTime, timeFromNow } from '../../web/src/lib/relative-time.js';
import { tokenExpiryChoices, tokenExpiryText, tokenPreview } from '../../web/src/lib/token-labels.js';
import { describeUserAgent, isMobileUserAgent } from '../../web/src/lib/user-agent.js';

const agents = {
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.28 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.50 Mobile/15E148 Safari/604.1',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  chromebook:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
};

describe('user agents in words', () => {
  test('browsers on systems', () => {
    assert.equal(describeUserAgent(agents.chromeLinux), 'Chrome on Linux');
    assert.equal(describeUserAgent(agents.headless), 'Chrome on Linux');
    assert.equal(describeUserAgent(agents.edgeWindows), 'Edge on Windows');
    assert.equal(describeUserAgent(agents.safariMac), 'Safari on macOS');
    assert.equal(describeUserAgent(agents.safariIphone), 'Safari on iPhone');
    assert.equal(describeUserAgent(agents.chromeIphone), 'Chrome on iPhone');
    assert.equal(describeUserAgent(agents.firefoxWindows), 'Firefox on Windows');
    assert.equal(describeUserAgent(agents.chromeAndroid), 'Chrome on Android');
    assert.equal(describeUserAgent(agents.chromebook), 'Chrome on ChromeOS');
  });

  test('programs, and nothing to go on', () => {
    assert.equal(describeUserAgent('curl/8.5.0'), 'curl');
    assert.equal(describeUserAgent('node'), 'Node.js');
    assert.equal(describeUserAgent('python-requests/2.31.0'), 'Python');
    assert.equal(describeUserAgent(null), 'Unknown device');
    assert.equal(describeUserAgent('   '), 'Unknown device');
    assert.equal(describeUserAgent('SomethingElse/1.0'), 'Unknown device');
  });

  test('phones and tablets', () => {
    assert.equal(isMobileUserAgent(agents.safariIphone), true);
    assert.equal(isMobileUserAgent(agents.chromeAndroid), true);
    assert.equal(isMobileUserAgent(agents.chromeLinux), false);
    assert.equal(isMobileUserAgent(null), false);
  });
});

describe('relative times', () => {
  const now = new Date('2023-12-10T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

  test('just now, minutes, hours, days, then the date', () => {
    assert.equal(timeFromNow(ago(20_000), now), 'just now');
    assert.equal(timeFromNow(ago(5 * 60_000), now), '5 minutes ago');
    assert.equal(timeFromNow(ago(3 * 3_600_000), now), '3 hours ago');
    assert.equal(timeFromNow(ago(86_400_000), now), 'yesterday');
    assert.equal(timeFromNow(ago(6 * 86_400_000), now), '6 days ago');
    assert.equal(timeFromNow(new Date(now.getTime() + 7 * 86_400_000).toISOString(), now), 'in 7 days');
    assert.equal(timeFromNow('2023-09-01T12:00:00Z', now), 'Sep 1, 2023');
  });

  test('missing or unreadable times', () => {
    assert.equal(timeFromNow(null, now), '—');
    assert.equal(formatDate('not a date'), '—');
    assert.equal(parseTime(''), null);
    assert.equal(isPast(null, now), false);
    assert.equal(isPast(ago(1), now), true);
  });
});

describe('password rules before sending', () => {
  test('length and the email address', () => {
    assert.equal(passwordProblem('short'), 'Use at least 10 characters.');
    assert.equal(passwordProblem('x'.repeat(1025)), 'Use at most 1,024 characters.');
    assert.equal(
      passwordProblem('Carol@Example.com', 'carol@example.com'),
      'Don’t use your email address as your password.',
    );
    assert.equal(passwordProblem('carol-password-123', 'carol@example.com'), null);
    assert.equal(passwordProblem('x'.repeat(10)), null);
  });

  test('the confirmation must match', () => {
    assert.equal(newPasswordProblem('new-password-1', 'new-password-2'), 'The passwords don’t match.');
    assert.equal(newPasswordProblem('short', 'short'), 'Use at least 10 characters.');
    assert.equal(newPasswordProblem('new-password-1', 'new-password-1'), null);
  });
});

describe('token and invite labels', () => {
  const now = new Date('2023-12-10T12:00:00Z');

  test('a token shows its prefix only; expiry in words', () => {
    assert.equal(tokenPreview('bc_pat_abcd'), 'bc_pat_abcd…');
    assert.equal(tokenExpiryText(null, now), 'Never');
    assert.equal(tokenExpiryText('2023-12-01T00:00:00Z', now), 'Expired');
    assert.equal(tokenExpiryText('2024-01-09T12:00:00Z', now), 'Jan 9, 2024');
    assert.deepEqual(
      tokenExpiryChoices.map((choice) => choice.days),
      [7, 30, 90, 365, null],
    );
  });

  test('an invite is used, expired or pending; its link is this origin', () => {
    const invite = { used_at: null, expires_at: '2023-12-17T12:00:00Z' };
    assert.equal(inviteStatus(invite, now), 'pending');
    assert.equal(inviteStatus({ ...invite, expires_at: '2023-12-09T12:00:00Z' }, now), 'expired');
    assert.equal(
      inviteStatus({ ...invite, used_at: '2023-12-09T12:00:00Z', expires_at: '2023-12-09T00:00:00Z' }, now),
      'used',
    );
    assert.equal(inviteUrl('https://chat.example.com', 'a/b c'), 'https://chat.example.com/invite/a%2Fb%20c');
  });
});
