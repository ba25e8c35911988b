/**
 * Hardening checks over real loopback HTTP (research/reliability-security.md §1.3 patterns 2–4, §3e):
 * - the security headers on EVERY kind of response: JSON 2xx and 4xx, 401, 404 (route and file), 413,
 *   415, 429, 431, a malformed URL, the SSE stream, a 502, static files, index.html and the SPA
 *   fallback, /healthz, HEAD — with the CSP directives on HTML and on the stream;
 * - internal errors (the store closed under a running server, a table gone, a provider that throws)
 *   answer the generic 500/503 `{"detail"}` and never a stack trace, SQL or a file path;
 * - request logs never hold passwords, tokens, session cookies, invite tokens or message text;
 * - provider base URLs come only from the operator: a turn naming a loopback canary in `base_url`,
 *   `baseURL`, `api_base`, `provider` or `upstream` causes no connection to it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { ConversationService } from '../../src/conversation/conversation-service.js';
import type { ModelProvider } from '../../src/providers/model-provider.js';
import type { ProviderRegistry } from '../../src/providers/registry.js';
import { type AppDeps, createApp } from '../../src/server/app.js';
import { requestLogger } from '../../src/server/main.js';
import { openDatabase } from '../../src/store/open-database.js';
import { errorContractProblems, leakPatterns } from '../helpers/bad-inputs.js';
import { startCanaryServer } from '../helpers/canary-server.js';
import { type DatabaseKind, forEachDatabase } from '../helpers/databases.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { type RawRequest, rawHttp } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

type ResponseKind = 'html' | 'sse' | 'json' | 'other';

interface Answer {
  label: string;
  status: number;
  headers: Map<string, string>;
  text: string;
}

async function answerOf(label: string, response: Response): Promise<Answer> {
  return { label, status: response.status, headers: new Map(response.headers), text: await response.text() };
}

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name = '', ...values]) => [name.toLowerCase(), values]),
  );
}

/** What is wrong with the CSP of an HTML page or a stream ([] = it holds every required directive). */
function cspProblems(policy: string | undefined): string[] {
  if (!policy) return ['no content-security-policy'];
  const csp = directives(policy);
  const problems: string[] = [];
  const expect = (name: string, value: string) => {
    if (!csp.get(name)?.includes(value)) problems.push(`CSP ${name} is not ${value}`);
  };
  expect('default-src', "'self'");
  expect('object-src', "'none'");
  expect('base-uri', "'none'");
  expect('frame-ancestors', "'none'");
  const script = csp.get('script-src') ?? csp.get('default-src') ?? [];
  if (script.some((value) => value === "'unsafe-inline'" || value === "'unsafe-eval'" || value === '*')) {
    problems.push(`CSP script-src allows ${script.join(' ')}`);
  }
  return problems;
}

/** Every missing or wrong security header of `answer`, labelled. */
function headerProblems(answer: Answer, kind: ResponseKind): string[] {
  const { headers } = answer;
  const problems: string[] = [];
  if (headers.get('x-content-type-options') !== 'nosniff') problems.push('x-content-type-options');
  if (headers.get('referrer-policy') !== 'no-referrer') problems.push('referrer-policy');
  if (headers.get('x-frame-options') !== 'DENY') problems.push('x-frame-options');
  if (kind === 'html' || kind === 'sse') problems.push(...cspProblems(headers.get('content-security-policy')));
  if (kind === 'json' && !headers.get('cache-control')?.includes('no-store')) problems.push('cache-control no-store');
  const type = headers.get('content-type') ?? '';
  const expectedType = { html: /^text\/html/, sse: /^text\/event-stream/, json: /^application\/json/, other: /./ }[
    kind
  ];
  if (!expectedType.test(type)) problems.push(`content-type ${type}`);
  return problems.map((problem) => `${answer.label} (${answer.status}): ${problem}`);
}

function webRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'backchat-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><html><head><script src="/assets/app.js"></script></head></html>',
  );
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(join(root, 'assets', 'app.css'), 'body { margin: 0 }');
  return root;
}

describe('security headers on every kind of response', () => {
  let server: TestServer;
  let upstream: FakeUpstream;

  before(async () => {
    upstream = await startFakeUpstream({ models: ['failing-model'] });
    upstream.script({ kind: 'status', status: 500, message: 'upstream is down' });
    server = await startTestServer('sqlite', {
      config: { webRoot: webRoot(), limits: { login: { perAccount: 2, perIp: 100, windowMinutes: 15 } } },
      providers: [
        { type: 'demo', id: 'demo', tokenDelayMs: 0 },
        { type: 'openai-compatible', id: 'fake', baseUrl: upstream.url, models: [{ id: 'failing-model' }] },
      ],
    });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  async function fetched(): Promise<Array<[Answer, ResponseKind]>> {
    const { alice } = server;
    const as = alice;
    const json = (label: string, path: string, init: Parameters<TestServer['request']>[1] = {}) =>
      server.request(path, init).then((response) => answerOf(label, response));
    const turn = { action: 'next', messages: [userMessage('Headers, please')] };
    const badLogin = () =>
      server.request('/api/auth/login', { method: 'POST', json: { email: alice.email, password: 'wrong-password-1' } });
    await badLogin();
    await badLogin();
    return [
      [await json('JSON 2xx', '/backend-api/models', { as }), 'json'],
      [await json('/healthz', '/healthz'), 'json'],
      [await json('400 bad body', '/backend-api/conversation', { method: 'POST', as, json: { action: 1 } }), 'json'],
      [await json('401', '/backend-api/conversations'), 'json'],
      [await json('403 admin route', '/backend-api/admin/users', { as: server.bob }), 'json'],
      [await json('404 route', '/backend-api/no-such-route', { as }), 'json'],
      [
        await json('404 conversation', `/backend-api/conversation/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, {
          as,
        }),
        'json',
      ],
      [await json('404 file', '/assets/missing.js'), 'json'],
      [await json('400 malformed URL', '/backend-api/conversation/%E0%A4%A', { as }), 'json'],
      [
        await json('413', '/backend-api/conversation', {
          method: 'POST',
          as,
          json: { pad: 'x'.repeat(2 * 1024 * 1024) },
        }),
        'json',
      ],
      [
        await json('415', '/backend-api/conversation', {
          method: 'POST',
          as,
          body: '<turn/>',
          headers: { 'content-type': 'application/xml' },
        }),
        'json',
      ],
      [await answerOf('429 sign-in', await badLogin()), 'json'],
      [
        await json('502 model failed', '/backend-api/conversation', {
          method: 'POST',
          as,
          json: { ...turn, model: 'failing-model' },
        }),
        'json',
      ],
      [await json('SSE stream', '/backend-api/conversation', { method: 'POST', as, json: turn }), 'sse'],
      [await json('index.html at /', '/'), 'html'],
      [await json('SPA fallback /c/:id', '/c/5f1d5c1e-0000-4000-8000-000000000000'), 'html'],
      [await json('static script', '/assets/app.js'), 'other'],
      [await json('static stylesheet', '/assets/app.css'), 'other'],
      [await json('HEAD /healthz', '/healthz', { method: 'HEAD' }), 'json'],
    ];
  }

  test('nosniff, referrer-policy and X-Frame-Options everywhere; the CSP on HTML and the stream; no-store on JSON', async () => {
    const answers = await fetched();
    const statuses = answers.map(([answer]) => `${answer.label} ${answer.status}`);
    assert.deepEqual(
      answers.map(([answer]) => answer.status),
      [200, 200, 400, 401, 403, 404, 404, 404, 400, 413, 415, 429, 502, 200, 200, 200, 200, 200, 200],
      statuses.join(', '),
    );
    assert.deepEqual(
      answers.flatMap(([answer, kind]) => headerProblems(answer, kind)),
      [],
    );
  });

  test('requests Node refuses before routing (431 headers too large, a malformed header) keep the shape and the headers', async () => {
    const cases: Array<{ label: string; request: RawRequest; status: number }> = [
      {
        label: '431',
        request: { method: 'GET', path: '/healthz', headers: { 'x-big': 'a'.repeat(64 * 1024) } },
        status: 431,
      },
      {
        label: 'bad header name',
        request: { method: 'GET', path: '/healthz', headers: { 'bad header': 'x' } },
        status: 400,
      },
      { label: 'bad request line', request: { method: 'GET', path: '/he althz' }, status: 400 },
    ];
    for (const { label, request, status } of cases) {
      const response = await rawHttp(server.url, request);
      const answer: Answer = { label, status: response.status, headers: response.headers, text: response.body };
      assert.deepEqual(headerProblems(answer, 'json'), [], label);
      const contract = {
        status: response.status,
        contentType: response.headers.get('content-type') ?? null,
        text: response.body,
      };
      assert.deepEqual(errorContractProblems(contract, { status: [status] }), [], label);
    }
  });
});

/* ------------------------------------------------------------------ internal errors reveal nothing */

const secretPath = '/work/backchat/src/secret-module.ts:42:7';
const secretSql = 'select "password_hash" from "users" where "email" = $1';

/** A provider with a bug: it throws (with internals in the message) instead of yielding an error part. */
const throwingProvider: ModelProvider = {
  id: 'throwing',
  listModels: async () => [],
  streamChat: () => {
    throw new Error(`TypeError at parse (${secretPath}) while running ${secretSql}`);
  },
};

function registryWith(real: ProviderRegistry, provider: ModelProvider): ProviderRegistry {
  return {
    models: () => real.models(),
    defaultModel: () => real.defaultModel(),
    resolve: (slug) => ({ model: real.resolve(slug).model, provider }),
    describe: () => real.describe(),
    usingDemo: real.usingDemo,
  };
}

function internalsIn(text: string): string[] {
  const found = leakPatterns.filter((pattern) => pattern.test(text)).map(String);
  return [secretPath, 'password_hash', 'secret-module'].filter((secret) => text.includes(secret)).concat(found);
}

async function expectGenericError(response: Response, label: string): Promise<void> {
  const text = await response.text();
  const contract = { status: response.status, contentType: response.headers.get('content-type'), text };
  assert.deepEqual(errorContractProblems(contract, { status: [500, 502, 503] }), [], `${label}: ${text}`);
  assert.deepEqual(internalsIn(text), [], `${label}: ${text}`);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', label);
}

forEachDatabase((kind: DatabaseKind) => {
  test(`${kind}: a provider that throws answers a generic error, and the server keeps serving`, async () => {
    const server = await startTestServer(kind);
    const providers = registryWith(server.deps.providers, throwingProvider);
    const deps: AppDeps = {
      ...server.deps,
      providers,
      conversations: new ConversationService({ ...server.deps, providers }),
    };
    const app = await createApp(deps);
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const headers = { authorization: `Bearer ${server.alice.token}`, 'content-type': 'application/json' };
      for (const path of ['/backend-api/conversation', '/api/conversation']) {
        const body = JSON.stringify({ action: 'next', messages: [userMessage('Will it throw?')] });
        await expectGenericError(await fetch(`${url}${path}`, { method: 'POST', headers, body }), `turn ${path}`);
      }
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      await app.close();
      await server.close();
    }
  });

  test(`${kind}: a table gone under a running server is a generic 500, no SQL in the body`, async () => {
    const server = await startTestServer(kind);
    try {
      const { db } = await openDatabase(server.db.config);
      try {
        await sql`drop table prompts`.execute(db);
      } finally {
        await db.destroy();
      }
      for (const prefix of ['/backend-api', '/api']) {
        await expectGenericError(
          await server.request(`${prefix}/prompt_library/?limit=4`, { as: server.alice }),
          prefix,
        );
      }
    } finally {
      await server.close();
    }
  });

  test(`${kind}: the store closed under a running server answers a generic 500/503 on every kind of route`, async () => {
    const server = await startTestServer(kind);
    try {
      await server.deps.store.close();
      const { alice } = server;
      const requests: Array<[string, Parameters<TestServer['request']>[1]]> = [
        ['/backend-api/conversations', { as: alice }],
        [
          '/backend-api/conversation',
          { method: 'POST', as: alice, json: { action: 'next', messages: [userMessage('x')] } },
        ],
        ['/api/auth/login', { method: 'POST', json: { email: alice.email, password: alice.password } }],
        ['/ces/v1/b', { method: 'POST', as: alice, json: { batch: [{ type: 'track', event: 'x' }] } }],
      ];
      for (const [path, init] of requests) await expectGenericError(await server.request(path, init), path);
    } finally {
      await server.close();
    }
  });
});

/* ------------------------------------------------------------------ request logs hold no secrets */

describe('request logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  let server: TestServer;

  before(async () => {
    server = await startTestServer('sqlite', { logger: requestLogger(sink) });
  });
  after(() => server.close());

  /** Signs in, uses the cookie, a turn, a title, an access token, a personal token and an invite; returns the secrets. */
  async function exercise(): Promise<Record<string, string>> {
    const { alice } = server;
    const messageText = 'Confidential-message-7d1f3b';
    const titleText = 'Confidential-title-9c2e41';
    const login = await server.request('/api/auth/login', {
      method: 'POST',
      json: { email: alice.email, password: alice.password },
    });
    assert.equal(login.status, 200);
    const cookieValue = /backchat_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
    assert.ok(cookieValue.length > 10, 'no session cookie');
    const session = (await (
      await server.request('/api/auth/session', { headers: { cookie: `backchat_session=${cookieValue}` } })
    ).json()) as { accessToken: string };
    const bearer = { authorization: `Bearer ${session.accessToken}` };
    const turn = await server.request('/backend-api/conversation', {
      method: 'POST',
      headers: bearer,
      json: { action: 'next', messages: [userMessage(messageText)] },
    });
    const conversationId = /"conversation_id": "([^"]+)"/.exec(await turn.text())?.[1] ?? '';
    await server.request(`/backend-api/conversation/${conversationId}`, {
      method: 'PATCH',
      headers: bearer,
      json: { title: titleText },
    });
    await server.request('/backend-api/conversation', {
      method: 'POST',
      headers: bearer,
      json: { action: 'next', messages: [{ content: { content_type: 'text', parts: [messageText] } }] },
    });
    const created = await server.request('/backend-api/account/tokens', {
      method: 'POST',
      headers: bearer,
      json: { name: 'logging test', expires_in_days: 1 },
    });
    const personal = ((await created.json()) as { token: string }).token;
    assert.equal(
      (await server.request('/backend-api/me', { headers: { authorization: `Bearer ${personal}` } })).status,
      200,
    );
    const invite = await server.request('/backend-api/admin/invites', { method: 'POST', headers: bearer, json: {} });
    const inviteToken = ((await invite.json()) as { token: string }).token;
    assert.equal((await server.request(`/api/auth/invites/${encodeURIComponent(inviteToken)}`)).status, 200);
    const newPassword = 'Fresh-signup-password-5b8a';
    const signup = await server.request('/api/auth/signup', {
      method: 'POST',
      json: { email: 'dana@example.com', password: newPassword, invite: inviteToken },
    });
    assert.equal(signup.status, 200, await signup.clone().text());
    return {
      password: alice.password,
      newPassword,
      cookieValue,
      accessToken: session.accessToken,
      accessTokenSignature: session.accessToken.split('.')[2] ?? session.accessToken,
      testToken: alice.token,
      personal,
      inviteToken,
      messageText,
      titleText,
    };
  }

  test('hold requests but no password, token, session cookie, invite token or message text', async () => {
    const secrets = await exercise();
    const log = lines.join('');
    assert.match(log, /"url":"\/backend-api\/conversation"/, 'the requests were not logged at all');
    assert.match(log, /"statusCode":200/);
    assert.match(log, /"url":"\/api\/auth\/invites\/\[redacted\]"/, 'the invite lookup was not logged, redacted');
    const leaked = Object.entries(secrets)
      .filter(([, secret]) => secret.length > 0 && log.includes(secret))
      .map(([name]) => name);
    assert.deepEqual(leaked, []);
  });
});

/* ------------------------------------------------------------------ provider URLs only from the operator */

describe('provider base URLs come only from the operator', () => {
  test('turn and title bodies naming a loopback canary as base URL or provider cause 0 connections to it', async () => {
    const canary = await startCanaryServer();
    const upstream = await startFakeUpstream({ models: ['operator-model'] });
    const server = await startTestServer('sqlite', {
      providers: [
        { type: 'openai-compatible', id: 'operator', baseUrl: upstream.url, models: [{ id: 'operator-model' }] },
      ],
    });
    try {
      const target = `${canary.origin}/v1`;
      const smuggled = {
        base_url: target,
        baseURL: target,
        baseUrl: target,
        api_base: target,
        provider: { type: 'openai-compatible', baseUrl: target },
        upstream: target,
        endpoint: target,
      };
      const bodies = [
        { action: 'next', messages: [userMessage('Where do you go?')], ...smuggled },
        { action: 'next', model: target, messages: [userMessage('Model as a URL')] },
        {
          action: 'next',
          messages: [{ ...userMessage('In metadata'), metadata: smuggled }],
          conversation_mode: { kind: 'primary_assistant', ...smuggled },
        },
      ];
      let conversationId = '';
      for (const body of bodies) {
        const response = await server.request('/backend-api/conversation', {
          method: 'POST',
          as: server.alice,
          json: body,
        });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        conversationId = /"conversation_id": "([^"]+)"/.exec(text)?.[1] ?? conversationId;
      }
      const title = await server.request(`/backend-api/conversation/gen_title/${conversationId}`, {
        method: 'POST',
        as: server.alice,
        json: smuggled,
      });
      assert.equal(title.status, 200, await title.text());
      assert.ok(upstream.requests.length >= bodies.length + 1, 'the operator’s upstream was not used');
      assert.deepEqual(canary.hits, []);
    } finally {
      await server.close();
      await upstream.close();
      await canary.close();
    }
  });
});
