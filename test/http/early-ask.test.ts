/**
 * The model's request leaves for the upstream before the turn's rows are written, not after they are
 * committed (src/conversation/conversation-service.ts, `requestOnItsWay`). On SQLite every statement
 * is synchronous, so a request queued on the event loop would only be written once the transaction
 * is done: time added to every first token.
 *
 * Observed from another thread: the upstream is reached through a TCP relay in a worker that counts
 * the bytes it forwards in shared memory, and the turn's write blocks this thread (Atomics.wait) until
 * that count moves. Were the request still queued here, it never would: the wait would time out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { KyselyStore } from '../../src/store/kysely-store.js';
import { forEachDatabase } from '../helpers/databases.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import { readSse } from '../helpers/sse.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

/** A TCP relay to `port` on 127.0.0.1 that adds the bytes going upstream to `counter[0]`. */
const relaySource = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const counter = new Int32Array(workerData.shared);
const server = net.createServer((client) => {
  const upstream = net.connect(workerData.port, '127.0.0.1');
  client.on('data', (bytes) => {
    upstream.write(bytes);
    Atomics.add(counter, 0, bytes.length);
    Atomics.notify(counter, 0);
  });
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

interface Relay {
  url: string;
  /** Bytes sent upstream so far. */
  counter: Int32Array;
  close(): Promise<number>;
}

async function startRelay(upstream: FakeUpstream): Promise<Relay> {
  const shared = new SharedArrayBuffer(4);
  const port = Number(new URL(upstream.url).port);
  const worker = new Worker(relaySource, { eval: true, workerData: { shared, port } });
  const relayPort = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${relayPort}/v1`,
    counter: new Int32Array(shared),
    close: () => worker.terminate(),
  };
}

forEachDatabase((kind) => {
  let upstream: FakeUpstream;
  let relay: Relay;
  let server: TestServer;

  before(async () => {
    upstream = await startFakeUpstream({ models: ['fake-model'] });
    relay = await startRelay(upstream);
    server = await startTestServer(kind, {
      providers: [{ type: 'openai-compatible', id: 'fake', baseUrl: relay.url, models: [{ id: 'fake-model' }] }],
    });
  });
  after(async () => {
    await server.close();
    await relay.close();
    await upstream.close();
  });

  /** One turn in a new conversation; returns the stream's raw text. */
  async function turn(text: string): Promise<string> {
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: {
        action: 'next',
        messages: [userMessage(text, crypto.randomUUID())],
        parent_message_id: crypto.randomUUID(),
        model: 'fake-model',
      },
    });
    assert.equal(response.status, 200);
    return (await readSse(response)).raw;
  }

  test(`${kind}: the model's request is on the wire before the turn's rows are written`, async () => {
    upstream.script({ kind: 'reply', text: 'Hello there' });
    // The first turn opens the pooled connection to the upstream (connecting takes the event loop).
    assert.match(await turn('Warm up'), /Hello there/);
    const sentBefore = Atomics.load(relay.counter, 0);
    const waits: string[] = [];
    const startAnswer = KyselyStore.prototype.startAnswer;
    KyselyStore.prototype.startAnswer = function (this: KyselyStore, ...args) {
      // Blocks this thread: only bytes already handed to the kernel can move the count meanwhile.
      waits.push(Atomics.wait(relay.counter, 0, sentBefore, 2000));
      return startAnswer.apply(this, args);
    };
    try {
      assert.match(await turn('Measured'), /Hello there/, 'the answer came through the relay');
    } finally {
      KyselyStore.prototype.startAnswer = startAnswer;
    }
    assert.equal(waits.length, 1);
    assert.notEqual(waits[0], 'timed-out', 'the request was still queued when the rows were written');
  });
});
