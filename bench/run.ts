/**
 * Benchmarks, each run side by side with its baseline in the same process and reported as a ratio
 * (never asserted inside `npm test`). Usage: `npm run bench` (add `-- --quick` for a short run).
 *
 * Every baseline is a bare node:http server on the same loopback, fetched the same way, so the ratio
 * is what backchat's layers cost on top of the unavoidable work:
 * - stream: one full conversation turn (auth, validation, transaction, demo model at 0 ms per token,
 *   SSE relay, final persistence) vs a server writing the same SSE bytes.
 * - open: GET /backend-api/conversation/:id of a 2,000-message conversation vs a server that reads the
 *   same rows from the store and sends JSON.stringify of them.
 * - list: GET /backend-api/conversations (28 of 1,000) vs a server sending the same store query's rows.
 * - limits: one turn on a server with the default abuse limits on (message caps, concurrent answers)
 *   vs the same turn on a server with them off: the limiter's cost per turn (SQLite only).
 *
 * `npm run bench -- --instances 3` (or `--instances=N`) runs only bench/instances.ts instead: throughput
 * through nginx with N `backchat serve` instances against one, and a PostgreSQL turn against a SQLite one.
 * `npm run bench -- search` runs only bench/search.ts: search over 100,000 conversations vs its raw FTS query.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defaultLimits } from '../src/limits/limits-config.js';
import { seedConversations } from '../test/helpers/browser.js';
import { sessionAccessToken, startTestServer, type TestServer } from '../test/helpers/test-server.js';

const quick = process.argv.includes('--quick');

/** `--instances N`, `--instances=N` or a bare `--instances` (3); undefined without the option. */
function instancesOption(argv: string[]): number | undefined {
  const index = argv.findIndex((arg) => arg === '--instances' || arg.startsWith('--instances='));
  if (index === -1) return undefined;
  const arg = argv[index] ?? '';
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (text === undefined || text.startsWith('--')) return 3;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--instances: expected a whole number ≥ 1, got ${text}`);
  return count;
}
const rounds = quick ? 30 : 200;

interface Result {
  name: string;
  subjectMs: number;
  baselineMs: number;
}

async function timeMany(count: number, work: (index: number) => Promise<unknown>): Promise<number> {
  for (let index = 0; index < Math.min(5, count); index++) await work(index); // warm-up
  const start = performance.now();
  for (let index = 0; index < count; index++) await work(index);
  return (performance.now() - start) / count;
}

function turnBody(text: string) {
  return {
    action: 'next',
    messages: [{ id: crypto.randomUUID(), author: { role: 'user' }, content: { content_type: 'text', parts: [text] } }],
    parent_message_id: crypto.randomUUID(),
    model: 'text-davinci-002-render-sha',
  };
}

interface Baseline {
  url: string;
  close(): Promise<void>;
}

/** A bare HTTP server whose every response is the chunks `respond` produces. */
async function baselineServer(contentType: string, respond: () => Promise<string[]>): Promise<Baseline> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', async () => {
      const chunks = await respond();
      response.writeHead(200, { 'content-type': contentType });
      for (const chunk of chunks) response.write(chunk);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function streamBench(server: TestServer): Promise<Result> {
  const sample = await server.request('/backend-api/conversation', {
    method: 'POST',
    as: server.alice,
    json: turnBody('Benchmark me'),
  });
  const frames = (await sample.text()).split(/(?<=\n\n)/);
  const baseline = await baselineServer('text/event-stream; charset=utf-8', async () => frames);
  const post = (url: string, auth: boolean) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth && { authorization: `Bearer ${server.alice.token}` }) },
      body: JSON.stringify(turnBody('Benchmark me')),
    }).then((response) => response.text());
  const subjectMs = await timeMany(rounds, () => post(`${server.url}/backend-api/conversation`, true));
  const baselineMs = await timeMany(rounds, () => post(baseline.url, false));
  await baseline.close();
  return { name: 'stream one turn (demo, 0 ms/token)', subjectMs, baselineMs };
}

/** Total milliseconds of `count` sequential runs of `work` (no warm-up). */
async function timeBlock(count: number, work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let index = 0; index < count; index++) await work();
  return performance.now() - start;
}

/** The same turn with the default limits on and off, alternating servers so drift hits both alike. */
async function limitsBench(): Promise<Result & { database: string }> {
  const limited = await startTestServer('sqlite', { config: { limits: defaultLimits } });
  const open = await startTestServer('sqlite');
  try {
    const turn = (server: TestServer) =>
      server
        .request('/backend-api/conversation', { method: 'POST', as: server.alice, json: turnBody('Benchmark me') })
        .then((response) => response.text());
    // Ten alternating blocks so drift (the database growing, the machine) hits both sides alike; 5 + 100
    // turns stay under the default cap of 300 messages per 3 hours.
    const blocks = 10;
    const perBlock = quick ? 3 : 10;
    for (let index = 0; index < 5; index++) await Promise.all([turn(limited), turn(open)]);
    let subjectMs = 0;
    let baselineMs = 0;
    for (let block = 0; block < blocks; block++) {
      subjectMs += await timeBlock(perBlock, () => turn(limited));
      baselineMs += await timeBlock(perBlock, () => turn(open));
    }
    subjectMs /= blocks * perBlock;
    baselineMs /= blocks * perBlock;
    return { name: 'stream one turn, default limits on (baseline: off)', subjectMs, baselineMs, database: 'sqlite' };
  } finally {
    await limited.close();
    await open.close();
  }
}

async function seedLongConversation(server: TestServer, messages: number): Promise<string> {
  const first = await server.request('/backend-api/conversation', {
    method: 'POST',
    as: server.bob,
    json: turnBody('start'),
  });
  const text = await first.text();
  const conversationId = /"conversation_id": "([^"]+)"/.exec(text)?.[1] ?? '';
  const store = server.deps.store;
  let parent = (await store.getConversation(server.bob.id, conversationId))?.currentNode ?? '';
  const now = Date.now() / 1000;
  for (let index = 0; index < messages; index++) {
    const id = crypto.randomUUID();
    const role = index % 2 === 0 ? 'user' : 'assistant';
    const parts = [`Message ${index}: ${'lorem ipsum dolor sit amet '.repeat(20)}`];
    await store.insertMessage(server.bob.id, {
      id,
      conversationId,
      parentId: parent,
      role,
      authorName: null,
      contentType: 'text',
      parts,
      status: 'finished_successfully',
      endTurn: role === 'assistant' ? true : null,
      weight: 1,
      metadata: {},
      recipient: 'all',
      modelSlug: 'demo',
      createTime: now,
      updateTime: null,
    });
    parent = id;
  }
  await store.updateConversation(server.bob.id, conversationId, { currentNode: parent });
  return conversationId;
}

async function openBench(server: TestServer): Promise<Result> {
  const id = await seedLongConversation(server, 2000);
  const subjectMs = await timeMany(quick ? 10 : 50, () =>
    server.request(`/backend-api/conversation/${id}`, { as: server.bob }).then((response) => response.text()),
  );
  const baselineMs = await timeMany(quick ? 10 : 50, async () =>
    JSON.stringify(await server.deps.store.listMessages(server.bob.id, id)),
  );
  return { name: 'open a 2,000-message conversation', subjectMs, baselineMs };
}

async function listBench(server: TestServer): Promise<Result> {
  const user = await server.deps.auth.createUser({ email: 'bench@example.com', password: 'bench-password-1' });
  const token = (await sessionAccessToken(server.deps, user.id)).token;
  const owner = { id: user.id, email: user.email, password: '', token };
  await seedConversations(
    server,
    owner,
    Array.from({ length: 1000 }, (_, index) => `Conversation ${index}`),
  );
  const query = { offset: 0, limit: 28, archived: false };
  const subjectMs = await timeMany(rounds, () =>
    fetch(`${server.url}/backend-api/conversations?offset=0&limit=28&order=updated`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.text()),
  );
  const baseline = await baselineServer('application/json', async () => [
    JSON.stringify(await server.deps.store.listConversations(user.id, query)),
  ]);
  const baselineMs = await timeMany(rounds, () => fetch(baseline.url).then((response) => response.text()));
  await baseline.close();
  return { name: 'list 28 of 1,000 conversations', subjectMs, baselineMs };
}

async function main(): Promise<void> {
  const results: Array<Result & { database: string }> = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    process.stderr.write(`bench: ${kind}…\n`);
    const server = await startTestServer(kind);
    try {
      for (const bench of [streamBench, openBench, listBench]) {
        process.stderr.write(`  ${bench.name}…\n`);
        results.push({ ...(await bench(server)), database: kind });
      }
    } finally {
      await server.close();
    }
  }
  process.stderr.write('bench: limits…\n');
  results.push(await limitsBench());
  console.log('| database | benchmark | backchat (ms/op) | baseline (ms/op) | ratio |');
  console.log('|---|---|---|---|---|');
  for (const result of results) {
    const ratio = result.subjectMs / result.baselineMs;
    console.log(
      `| ${result.database} | ${result.name} | ${result.subjectMs.toFixed(2)} | ${result.baselineMs.toFixed(2)} | ${ratio.toFixed(2)}× |`,
    );
  }
  console.log(`\nrss after all runs: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (rounds: ${rounds})`);
  // The web UI in real Chromium (bench/browser-long-conversation.ts): long conversations, streaming renders.
  const { runBrowserBenchmarks } = await import('./browser-long-conversation.js');
  await runBrowserBenchmarks();
}

const instances = instancesOption(process.argv.slice(2));
if (process.argv.slice(2).includes('import')) {
  // `npm run bench -- import`: bench/import.ts alone (a 100,000-conversation ChatGPT export through the CLI).
  const { runImportBench } = await import('./import.js');
  await runImportBench({ quick });
} else if (process.argv.slice(2).includes('search')) {
  // `npm run bench -- search`: bench/search.ts alone (full-text search over 100,000 conversations).
  const { runSearchBench } = await import('./search.js');
  await runSearchBench({ quick });
} else if (instances === undefined) {
  await main();
} else {
  const { runInstancesBench } = await import('./instances.js');
  await runInstancesBench(instances, { quick });
}
