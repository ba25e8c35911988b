/**
 * The fuzz suite shared by the PR tier (requests.test.ts, in process) and the soak tier
 * (requests.soak.ts, real HTTP): a server with Bob's seeded conversations, then `runs` generated
 * requests — half from the generic fallback over every route of `listRoutes(deps)`, half schema-aware —
 * each checked by FuzzChecker. The seed is fixed (printed; override with BACKCHAT_FUZZ_SEED), so a
 * failure replays exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { randomIds } from '../../src/ids.js';
import { createApp, listRoutes } from '../../src/server/app.js';
import { routeUrls } from '../../src/server/route-table.js';
import { type DatabaseKind, forEachDatabase } from '../helpers/databases.js';
import { type Digester, openDigester } from '../helpers/db-digest.js';
import { addUser, startTestServer, type TestServer } from '../helpers/test-server.js';
import { checkTreeInvariants } from '../helpers/tree-checker.js';
import { sendTurn, userMessage } from '../helpers/turns.js';
import type { FuzzRequest, Identity } from './fuzz-request.js';
import { FuzzChecker, FuzzStats, httpTransport, injectTransport, type Transport } from './fuzz-target.js';
import { genericRequest } from './generic-requests.js';
import { type SeededConversation, schemaRequest } from './schema-requests.js';

export const defaultFuzzSeed = 20231204;

/** BACKCHAT_FUZZ_SEED, else the fixed default. */
export function fuzzSeed(): number {
  const configured = process.env.BACKCHAT_FUZZ_SEED;
  if (configured === undefined || configured === '') return defaultFuzzSeed;
  const seed = Number(configured);
  if (!Number.isInteger(seed)) throw new Error(`BACKCHAT_FUZZ_SEED must be an integer, got "${configured}"`);
  return seed;
}

export interface FuzzTier {
  /** Rounds per database; each round is a fresh server and database (bounds the digest's cost). */
  rounds: Record<DatabaseKind, number>;
  /** Generated requests per round. */
  runsPerRound: number;
  via: 'inject' | 'http';
}

async function seedConversations(server: TestServer, count: number): Promise<SeededConversation[]> {
  const conversations: SeededConversation[] = [];
  for (let index = 0; index < count; index += 1) {
    const rootId = randomIds.uuid();
    const userMessageId = randomIds.uuid();
    const turn = await sendTurn(server, server.bob, {
      action: 'next',
      parent_message_id: rootId,
      messages: [userMessage(`Seed question ${index}`, userMessageId)],
    });
    conversations.push({ id: turn.conversationId, rootId, userMessageId, assistantId: turn.final.id });
  }
  return conversations;
}

/** Everything one database's run needs. */
interface FuzzBench {
  server: TestServer;
  digester: Digester;
  checker: FuzzChecker;
  transport: Transport;
  arbitrary: fc.Arbitrary<FuzzRequest>;
  close(): Promise<void>;
}

async function openBench(kind: DatabaseKind, via: FuzzTier['via']): Promise<FuzzBench> {
  const server = await startTestServer(kind);
  const conversations = await seedConversations(server, 3);
  const carol = await addUser(server.deps, 'carol', 'user');
  const digester = await openDigester(server.db);
  const credentials: Record<Identity, string | undefined> = {
    admin: `Bearer ${server.alice.token}`,
    user: `Bearer ${server.bob.token}`,
    anonymous: undefined,
    garbage: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  };
  const app = via === 'inject' ? await createApp(server.deps) : undefined;
  const http = via === 'http' ? httpTransport(server.url) : undefined;
  const send = app ? (injectTransport(app) satisfies Transport) : (http?.send as Transport);
  // Accepted analytics events are written by the telemetry buffer after the answer: flushing after
  // each exchange puts a request's writes before the digest that judges the next one.
  const transport: Transport = async (request, credential) => {
    const response = await send(request, credential);
    await server.deps.telemetry.flush();
    return response;
  };
  const ids = {
    conversations: conversations.map((c) => c.id),
    messages: conversations.flatMap((c) => [c.assistantId, c.userMessageId]),
    users: [server.alice.id, server.bob.id, carol.id],
  };
  const arbitrary = fc.oneof(
    genericRequest(listRoutes(server.deps), ids),
    schemaRequest({
      conversations,
      email: server.bob.email,
      password: server.bob.password,
      expendableUserId: carol.id,
    }),
  );
  return {
    server,
    digester,
    checker: new FuzzChecker(digester, credentials),
    transport,
    arbitrary,
    close: async () => {
      http?.close();
      await app?.close();
      await digester.close();
      await server.close();
    },
  };
}

function report(stats: FuzzStats, seconds: number): string[] {
  const routes = [...stats.byRoute].sort(([a], [b]) => a.localeCompare(b));
  return [
    `${stats.requests} requests in ${seconds.toFixed(1)} s (${(stats.requests / seconds).toFixed(0)}/s), ${stats.fullDigests} full digests`,
    `statuses: ${FuzzStats.line(stats.byStatus)}`,
    ...routes.map(([route, counts]) => `  ${route}: ${FuzzStats.line(counts)}`),
  ];
}

/** One round: a fresh server, `runs` requests from `seed`, then the after-checks. */
function registerRound(kind: DatabaseKind, tier: FuzzTier, seed: number): void {
  let bench: FuzzBench;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const runs = tier.runsPerRound;

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    bench = await openBench(kind, tier.via);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await bench.close();
  });

  test(`${kind}: ${runs} generated requests (${tier.via}, seed ${seed}): no 5xx, every 4xx a clean {"detail"} and no change`, async (t) => {
    t.diagnostic(`seed ${seed} (set BACKCHAT_FUZZ_SEED to change it)`);
    const startMs = performance.now();
    try {
      await fc.assert(
        fc.asyncProperty(bench.arbitrary, async (request) => {
          const problems = await bench.checker.exchange(bench.transport, request);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        { seed, numRuns: runs, endOnFailure: true },
      );
    } finally {
      for (const line of report(bench.checker.stats, (performance.now() - startMs) / 1000)) t.diagnostic(line);
    }
    assert.equal(bench.checker.stats.requests, runs);
    const patterns = listRoutes(bench.server.deps).flatMap((route) =>
      routeUrls(route).map((url) => `${route.method} ${url}`),
    );
    const unfuzzed = patterns.filter((pattern) => !bench.checker.stats.byRoute.has(pattern));
    assert.deepEqual(unfuzzed, [], 'every route of the route table gets generated requests');
  });

  test(`${kind}: afterwards the server answers, nothing is polluted or left unhandled, the trees are sound`, async () => {
    const health = await bench.server.request('/healthz');
    assert.deepEqual(await health.json(), { status: 'ok' });
    const plain: Record<string, unknown> = {};
    assert.equal(plain.isAdmin, undefined);
    assert.equal(Object.hasOwn(Object.prototype, 'isAdmin'), false);
    assert.deepEqual(unhandled, []);
    assert.deepEqual(await checkTreeInvariants(bench.server.db.config), []);
  });
}

/** Registers the fuzz rounds for every database (node:test); round i uses seed + i. */
export function registerFuzzSuite(tier: FuzzTier): void {
  const seed = fuzzSeed();
  forEachDatabase((kind) => {
    for (let round = 0; round < tier.rounds[kind]; round += 1) {
      describe(`round ${round + 1} of ${tier.rounds[kind]}`, () => registerRound(kind, tier, seed + round));
    }
  });
}
