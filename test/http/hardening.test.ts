/**
 * Hardening: the security headers on EVERY kind of response, over real loopback HTTP (docs/security.md,
 * pattern 4 — Open WebUI's SVG chain had no `nosniff`): JSON 2xx and 4xx,
 * 401, 403, 404 (route, conversation, file), 413, 415, 429, 431 and malformed HTTP refused before
 * routing, a malformed URL, the SSE stream, a 502, static files, index.html and the SPA fallback,
 * /healthz and HEAD — `nosniff`, `Referrer-Policy`, `X-Frame-Options` everywhere, the CSP directives on
 * HTML and on the stream, `no-store` on JSON. The other hardening files: -errors, -logs, -ssrf.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorContractProblems } from '../helpers/bad-inputs.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { type RawRequest, rawHttp } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';
import { fakeProvider } from '../helpers/upstream-server.js';

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
      providers: [{ type: 'demo', id: 'demo', tokenDelayMs: 0 }, fakeProvider(upstream, ['failing-model'])],
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
