/**
 * Hardening: internal errors reveal nothing (docs/security.md, pattern 2: a global error boundary). A
 * provider that throws (with a file path and SQL in its message), a table dropped under a running
 * server and the store closed under it all answer a generic 500/502/503 `{"detail"}` — no stack, no
 * path, no SQL — on SQLite and PostgreSQL, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { ConversationService } from '../../src/conversation/conversation-service.js';
import type { ModelProvider } from '../../src/providers/model-provider.js';
import type { ProviderRegistry } from '../../src/providers/registry.js';
import { type AppDeps, createApp } from '../../src/server/app.js';
import { openDatabase } from '../../src/store/open-database.js';
import { errorContractProblems, leakPatterns } from '../helpers/bad-inputs.js';
import { type DatabaseKind, forEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

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
      conversations: new ConversationService({ ...server.deps, providers, instanceId: 'test', leaseMs: 15_000 }),
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
