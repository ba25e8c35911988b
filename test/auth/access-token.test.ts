/**
 * The access-token verifier (src/auth/access-token.ts) against tokens made by an independent signer
 * (jose): exactly the tokens backchat signs pass, before they expire; any other header, claim, key or
 * byte fails, and expiry is told apart from the rest.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { AccessTokens } from '../../src/auth/access-token.js';
import { randomIds } from '../../src/ids.js';

const secret = 'a test secret of some length, 0123456789abcdef';
const tokens = new AccessTokens(secret, randomIds);
const now = 1_800_000_000;

const base64Url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token as jose signs it, with any header and claims. */
function signed(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
  key = secret,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(new TextEncoder().encode(key));
}

/** Signed with our key by hand, for what jose will not sign: only the content is wrong. */
const resigned = (head: string, body: string) =>
  `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;

const goodClaims = { sub: 'user-1', sid: 'session-1', iss: 'backchat', aud: 'backchat-api', iat: now, exp: now + 60 };

test('a token backchat signs verifies, with its user, session and expiry, until it expires', async () => {
  const token = await tokens.sign('user-1', 'session-1', now, now + 60);
  assert.deepEqual(await tokens.verify(token, now), {
    ok: true,
    claims: { userId: 'user-1', sessionId: 'session-1', expiresAt: now + 60 },
  });
  assert.equal((await tokens.verify(token, now + 59.9)).ok, true);
  // Expired at its `exp` second (whole seconds, as jose counts them).
  assert.deepEqual(await tokens.verify(token, now + 60), { ok: false, failure: 'expired' });
  assert.deepEqual(await tokens.verify(token, now + 3600), { ok: false, failure: 'expired' });
  // Another installation's secret: the same token is not ours.
  assert.deepEqual(await new AccessTokens('another secret', randomIds).verify(token, now), {
    ok: false,
    failure: 'invalid',
  });
});

test('claims jose writes verify the same way; an audience list naming us is ours', async () => {
  assert.equal((await tokens.verify(await signed(goodClaims), now)).ok, true);
  assert.equal((await tokens.verify(await signed({ ...goodClaims, aud: ['other', 'backchat-api'] }), now)).ok, true);
  assert.equal((await tokens.verify(await signed({ ...goodClaims, nbf: now }), now)).ok, true);
  const { iat: _iat, ...withoutIat } = goodClaims;
  assert.equal((await tokens.verify(await signed(withoutIat), now)).ok, true);
});

test('any other header, claim or key is invalid; expiry is only told for an otherwise good token', async () => {
  const cases: Array<[string, Promise<string>]> = [
    ['wrong key', signed(goodClaims, undefined, 'not the secret')],
    ['HS512', signed(goodClaims, { alg: 'HS512', typ: 'JWT' })],
    ['HS384', signed(goodClaims, { alg: 'HS384', typ: 'JWT' })],
    ['no typ', signed(goodClaims, { alg: 'HS256' })],
    ['other typ', signed(goodClaims, { alg: 'HS256', typ: 'at+jwt' })],
    [
      'crit',
      Promise.resolve(resigned(base64Url({ alg: 'HS256', typ: 'JWT', crit: ['exp'], exp: 1 }), base64Url(goodClaims))),
    ],
    ['b64', Promise.resolve(resigned(base64Url({ alg: 'HS256', typ: 'JWT', b64: true }), base64Url(goodClaims)))],
    ['a good header as a list', Promise.resolve(resigned(base64Url(['HS256']), base64Url(goodClaims)))],
    ['wrong issuer', signed({ ...goodClaims, iss: 'someone' })],
    ['no issuer', signed({ ...goodClaims, iss: undefined })],
    ['wrong audience', signed({ ...goodClaims, aud: 'some-other-api' })],
    ['audience list without us', signed({ ...goodClaims, aud: ['a', 'b'] })],
    ['no audience', signed({ ...goodClaims, aud: undefined })],
    ['no exp', signed({ ...goodClaims, exp: undefined })],
    ['exp as text', signed({ ...goodClaims, exp: String(now + 60) })],
    ['iat as text', signed({ ...goodClaims, iat: 'yesterday' })],
    ['not before later', signed({ ...goodClaims, nbf: now + 10 })],
    ['nbf as text', signed({ ...goodClaims, nbf: 'now' })],
    ['no subject', signed({ ...goodClaims, sub: undefined })],
    ['numeric subject', signed({ ...goodClaims, sub: 42 })],
    ['no session', signed({ ...goodClaims, sid: undefined })],
    ['expired and wrong audience', signed({ ...goodClaims, aud: 'x', exp: now - 10 })],
  ];
  for (const [what, token] of cases) {
    assert.deepEqual(await tokens.verify(await token, now), { ok: false, failure: 'invalid' }, what);
  }
  assert.deepEqual(await tokens.verify(await signed({ ...goodClaims, exp: now - 1 }), now), {
    ok: false,
    failure: 'expired',
  });
});

test('malformed tokens are invalid: alg none, wrong shapes, non-JSON, non-objects, padding', async () => {
  const good = await tokens.sign('user-1', 'session-1', now, now + 60);
  const [header, payload, signature] = good.split('.') as [string, string, string];
  const malformed = [
    '',
    'abc.def.ghi',
    `${base64Url({ alg: 'none', typ: 'JWT' })}.${base64Url(goodClaims)}.`,
    `${header}.${payload}`,
    `${header}.${payload}.${signature}.extra`,
    `${header}.${payload}.${signature}=`,
    `${header} .${payload}.${signature}`,
    `${header}.${payload}.${signature.slice(0, -1)}`,
    resigned(Buffer.from('not json').toString('base64url'), payload),
    resigned(header, Buffer.from('[1,2]').toString('base64url')),
    resigned(header, Buffer.from('null').toString('base64url')),
  ];
  for (const token of malformed) {
    assert.deepEqual(await tokens.verify(token, now), { ok: false, failure: 'invalid' }, token);
  }
});

test('changing any one character of a good token makes it invalid', async () => {
  const good = await tokens.sign('user-1', 'session-1', now, now + 60);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: good.length - 1 }), fc.constantFrom(...alphabet), async (at, character) => {
      fc.pre(good[at] !== character);
      const changed = good.slice(0, at) + character + good.slice(at + 1);
      assert.deepEqual(await tokens.verify(changed, now), { ok: false, failure: 'invalid' });
    }),
    { numRuns: 400 },
  );
});
