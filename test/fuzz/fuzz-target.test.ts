/**
 * The fuzz checker can fail: answered by a small Fastify app over a real test database (SQLite and
 * PostgreSQL, whose change marks differ), it reports a 500, an HTML 4xx, a body that is not
 * `{"detail"}`, a stack trace or SQL in a body, a missing `nosniff`, and a rejection that wrote to the
 * database — and lets a clean 400, a write by a 2xx and an echo of the client's own input pass.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type DatabaseKind, forEachDatabase, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { type Digester, openDigester } from '../helpers/db-digest.js';
import { type FuzzRequest, printable } from './fuzz-request.js';
import { FuzzChecker, injectTransport, type Transport } from './fuzz-target.js';

let writes = 0;

function buildApp(db: TestDatabase): FastifyInstance {
  const server = Fastify();
  server.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/no-nosniff')) reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  server.get('/clean', async (_request, reply) => reply.code(400).send({ detail: 'limit: must be a number' }));
  server.get('/boom', async (_request, reply) => reply.code(500).send({ detail: 'Something went wrong' }));
  server.get('/html', async (_request, reply) => reply.code(400).type('text/html').send('<h1>Bad</h1>'));
  server.get('/shape', async (_request, reply) => reply.code(404).send({ error: 'Not Found' }));
  server.get('/stack', async (_request, reply) =>
    reply.code(400).send({ detail: 'TypeError: x is undefined at parse (/work/main/src/server/app.ts:12:7)' }),
  );
  server.get('/sql', async (_request, reply) =>
    reply.code(400).send({ detail: 'select * from "users" where "email" = $1 failed' }),
  );
  server.get('/echo', async (request, reply) =>
    reply.code(400).send({ detail: `unknown order: ${(request.query as { order?: string }).order}` }),
  );
  server.get('/no-nosniff', async (_request, reply) => reply.code(400).send({ detail: 'x' }));
  server.post('/write-then-reject', async (_request, reply) => {
    await db.store.putSettingIfAbsent(`fuzz-self-test-${++writes}`, 'written');
    return reply.code(400).send({ detail: 'rejected, but something was stored' });
  });
  server.post('/write-and-accept', async () => {
    await db.store.putSettingIfAbsent(`fuzz-self-test-${++writes}`, 'written');
    return { success: true };
  });
  return server;
}

function request(method: string, url: string): FuzzRequest {
  return printable({ method, url, identity: 'anonymous', headers: {}, route: `${method} ${url}`, kind: 'self-test' });
}

function checker(digester: Digester): FuzzChecker {
  return new FuzzChecker(digester, { admin: undefined, user: undefined, anonymous: undefined, garbage: undefined });
}

const failures: Array<[string, string, string]> = [
  ['GET', '/boom', 'status 500'],
  ['GET', '/html', 'content-type text/html'],
  ['GET', '/shape', 'body is not {"detail"'],
  ['GET', '/stack', 'body reveals internals'],
  ['GET', '/sql', 'body reveals internals'],
  ['GET', '/no-nosniff', 'no x-content-type-options'],
  ['POST', '/write-then-reject', 'the database changed'],
];

function registerSelfTest(kind: DatabaseKind): void {
  let database: TestDatabase;
  let digester: Digester;
  let app: FastifyInstance;
  let transport: Transport;

  before(async () => {
    database = await openTestDatabase(kind);
    digester = await openDigester(database);
    app = buildApp(database);
    transport = injectTransport(app);
  });
  after(async () => {
    await app.close();
    await digester.close();
    await database.close();
  });

  test(`${kind}: a clean 400 and a 2xx that writes pass; so does an echo of the request`, async () => {
    const fuzz = checker(digester);
    assert.deepEqual(await fuzz.exchange(transport, request('GET', '/clean')), []);
    assert.deepEqual(await fuzz.exchange(transport, request('POST', '/write-and-accept')), []);
    assert.deepEqual(await fuzz.exchange(transport, request('GET', '/clean')), []);
    const echo = request('GET', `/echo?order=${encodeURIComponent('1 union select password from users')}`);
    assert.deepEqual(await fuzz.exchange(transport, echo), []);
    assert.equal(fuzz.stats.requests, 4);
  });

  for (const [method, url, expected] of failures) {
    test(`${kind}: ${method} ${url} is reported: ${expected}`, async () => {
      const problems = await checker(digester).exchange(transport, request(method, url));
      assert.ok(
        problems.some((problem) => problem.includes(expected)),
        `expected "${expected}" in ${JSON.stringify(problems)}`,
      );
    });
  }
}

forEachDatabase(registerSelfTest);
