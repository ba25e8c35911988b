/**
 * A test server whose model provider is a fake OpenAI-compatible upstream (test/helpers/fake-upstream.ts):
 * the set-up most streaming suites share.
 *
 *   ({ server, upstream } = await startServerWithFakeUpstream(kind, { checkpointIntervalMs: 50 }));
 *   upstream.script({ kind: 'reply', text: 'Hello', tokenDelayMs: 5 });
 */
import type { ProviderConfig } from '../../src/config.js';
import type { DatabaseKind } from './databases.js';
import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';

/** The provider entry (id `fake`) serving `models` from `upstream`. */
export function fakeProvider(
  upstream: FakeUpstream,
  models: string[],
  id = 'fake',
): Extract<ProviderConfig, { type: 'openai-compatible' }> {
  return { type: 'openai-compatible', id, baseUrl: upstream.url, models: models.map((model) => ({ id: model })) };
}

export interface ServerWithUpstream {
  server: TestServer;
  upstream: FakeUpstream;
  /** Closes the server, then the upstream. */
  close(): Promise<void>;
}

/**
 * Starts a fake upstream listing `models` (default `['fake-model']`) and a test server on `kind` whose
 * only provider is that upstream; the other options go to `startTestServer`.
 */
export async function startServerWithFakeUpstream(
  kind: DatabaseKind,
  options: Omit<TestServerOptions, 'providers'> & { models?: string[] } = {},
): Promise<ServerWithUpstream> {
  const { models = ['fake-model'], ...serverOptions } = options;
  const upstream = await startFakeUpstream({ models });
  try {
    const server = await startTestServer(kind, { ...serverOptions, providers: [fakeProvider(upstream, models)] });
    return {
      server,
      upstream,
      close: async () => {
        await server.close();
        await upstream.close();
      },
    };
  } catch (error) {
    await upstream.close();
    throw error;
  }
}
