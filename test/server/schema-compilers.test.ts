/**
 * Fastify's schema compilers, left out of the bundle and loaded on first use
 * (src/server/schema-compilers.ts): a route that does declare a schema still gets validation and
 * serialisation exactly as Fastify's defaults give them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { lazySchemaCompilers } from '../../src/server/schema-compilers.js';

test('a route with a schema is validated and serialised by the compilers loaded on demand', async () => {
  const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers } });
  app.post(
    '/echo',
    {
      schema: {
        body: {
          type: 'object',
          required: ['n'],
          properties: { n: { type: 'integer', minimum: 1 } },
        },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
    },
    async (request) => ({ n: (request.body as { n: number }).n, hidden: 'left out by the serialiser' }),
  );
  try {
    const good = await app.inject({ method: 'POST', url: '/echo', payload: { n: 3 } });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { n: 3 });
    const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 0 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /must be >= 1/);
  } finally {
    await app.close();
  }
});
