/**
 * The two moments of a turn that decide its first token, observed from other threads:
 *
 * - The model's request leaves for the upstream before the turn's rows are written, not after they are
 *   committed (src/conversation/conversation-service.ts, `requestOnItsWay`). On SQLite every statement
 *   is synchronous, so a request queued on the event loop would only be written once the transaction
 *   is done. The upstream is reached through a TCP relay in a worker that counts the bytes it forwards
 *   in shared memory, and the turn's write blocks this thread (Atomics.wait) until that count moves.
 * - The first token leaves for the client before the answer's rows are committed, even when the model's
 *   whole reply arrived at once (the relay holds the upstream's chunks and sends them in one write):
 *   src/server/answer-response.ts, `flush`. The client is a worker that marks in shared memory when the
 *   first token arrives; committing the answer blocks this thread until it has.
 *
 * Were the bytes still queued here, neither count could move: the waits would time out.
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

/**
 * A TCP relay to `port` on 127.0.0.1 that adds the bytes going upstream to `counter[0]`, and holds
 * what comes back until the end of a streamed reply (`data: [DONE]`) or 50 ms: one write for all.
 */
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
  let held = [];
  let timer;
  const release = () => {
    clearTimeout(timer);
    if (held.length > 0) client.write(Buffer.concat(held));
    held = [];
  };
  upstream.on('data', (bytes) => {
    held.push(bytes);
    if (bytes.includes('data: [DONE]')) release();
    else if (held.length === 1) timer = setTimeout(release, 50);
  });
  upstream.on('end', () => { release(); client.end(); });
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/**
 * A client that sends one turn per message and sets `flag[0]` to 1 once the stream carries `marker`;
 * it answers each message with the stream's text.
 */
const clientSource = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.shared);
parentPort.on('message', async ({ url, token, body, marker }) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
    body,
  });
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes(marker) && Atomics.load(flag, 0) === 0) {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
  }
  parentPort.postMessage(text);
});
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

  /** A turn's body: a new conversation. */
  const turnBody = (text: string) => ({
    action: 'next',
    messages: [userMessage(text, crypto.randomUUID())],
    parent_message_id: crypto.randomUUID(),
    model: 'fake-model',
  });

  /** Sends a turn; returns the stream's raw text. */
  async function post(body: ReturnType<typeof turnBody>): Promise<string> {
    const response = await server.request('/backend-api/conversation', {
      method: 'POST',
      as: server.alice,
      json: body,
    });
    assert.equal(response.status, 200);
    return (await readSse(response)).raw;
  }

  /** One turn in a new conversation; returns the stream's raw text. */
  const turn = (text: string) => post(turnBody(text));

  /**
   * Runs one turn with the store's `method` blocking this thread at its first call until the model's
   * request has reached the relay (up to 2 s): only bytes already handed to the kernel can move the
   * count meanwhile. Returns whether the request was on the wire by then, and how often `method` ran.
   */
  async function sentBeforeFirstCall(method: 'startAnswer' | 'transaction'): Promise<{ sent: boolean; calls: number }> {
    upstream.script({ kind: 'reply', text: 'Hello there' });
    // The first turn opens the pooled connection to the upstream (connecting takes the event loop).
    assert.match(await turn('Warm up'), /Hello there/);
    const sentBefore = Atomics.load(relay.counter, 0);
    const waits: string[] = [];
    let calls = 0;
    const original = KyselyStore.prototype[method] as (...args: unknown[]) => unknown;
    Object.assign(KyselyStore.prototype, {
      [method](this: KyselyStore, ...args: unknown[]) {
        calls += 1;
        if (waits.length === 0) waits.push(Atomics.wait(relay.counter, 0, sentBefore, 2000));
        return original.apply(this, args);
      },
    });
    try {
      assert.match(await turn('Measured'), /Hello there/, 'the answer came through the relay');
    } finally {
      Object.assign(KyselyStore.prototype, { [method]: original });
    }
    assert.equal(waits.length, 1, `${method} was called`);
    return { sent: waits[0] !== 'timed-out', calls };
  }

  test(`${kind}: the model's request is on the wire before the turn's rows are written`, async () => {
    const { sent, calls } = await sentBeforeFirstCall('startAnswer');
    assert.equal(calls, 1, 'the rows are written once');
    assert.ok(sent, 'the request was still queued when the rows were written');
  });

  test(`${kind}: a first turn's request is on the wire before its transaction begins`, async () => {
    const { sent } = await sentBeforeFirstCall('transaction');
    assert.ok(sent, 'the request was still queued when the transaction began');
  });

  /** The requests the upstream received from `from` on, once each has ended. */
  async function endedRequestsFrom(from: number) {
    const requests = upstream.requests.slice(from);
    await Promise.all(requests.map((request) => request.closed));
    return requests;
  }

  test(`${kind}: a first turn sent again after it ended stops the request its draft made`, async () => {
    // Slow enough that a request left running would still be going when the retry has been answered.
    upstream.script({ kind: 'reply', text: 'The one answer', tokenDelayMs: 50 });
    const body = turnBody('Asked once');
    assert.match(await post(body), /The one answer/);
    const before = upstream.requests.length;
    assert.match(await post(body), /The one answer/, 'the retry streams the stored answer');
    // The retry asked the model before it knew it was one; that request is stopped (or never sent).
    for (const request of await endedRequestsFrom(before)) {
      assert.equal(request.clientAborted, true, "the draft's request was stopped");
    }
  });

  test(`${kind}: a first turn whose answer failed, sent again, is answered once in its conversation`, async () => {
    upstream.script({ kind: 'status', status: 500, message: 'upstream is down' });
    const body = turnBody('Try me again');
    const failed = await server.request('/backend-api/conversation', { method: 'POST', as: server.alice, json: body });
    assert.equal(failed.status, 502, 'the model failed before any text');
    const [user] = body.messages;
    const conversationId = await server.deps.store.findConversationIdByRoot(
      server.alice.id,
      body.parent_message_id,
      user?.id ?? '',
    );
    assert.ok(conversationId, 'the user message was kept');

    upstream.script({ kind: 'reply', text: 'Now it works', tokenDelayMs: 50 });
    const before = upstream.requests.length;
    const raw = await post(body);
    assert.match(raw, /Now it works/);
    assert.ok(raw.includes(conversationId), 'the answer is in the conversation the first attempt made');
    // The draft's request is replaced by one for the stored user message: only that one runs to its end.
    const requests = await endedRequestsFrom(before);
    assert.equal(requests.filter((request) => !request.clientAborted).length, 1, 'one request answered');
    assert.equal(requests.at(-1)?.clientAborted, false, 'the last request is the one answered');
    const messages = await server.deps.store.listMessages(server.alice.id, conversationId);
    assert.equal(messages.filter((message) => message.id === user?.id).length, 1, 'one copy of the user message');
    const answers = messages.filter((message) => message.role === 'assistant' && message.parentId === user?.id);
    assert.equal(answers.length, 1, 'one answer under it');
  });

  test(`${kind}: the first token is on the wire before the answer's rows are committed`, async () => {
    const marker = 'Zq9';
    upstream.script({ kind: 'reply', text: `${marker} and the rest of the answer` });
    const shared = new SharedArrayBuffer(4);
    const flag = new Int32Array(shared);
    const client = new Worker(clientSource, { eval: true, workerData: { shared } });
    const waits: string[] = [];
    const finishAnswer = KyselyStore.prototype.finishAnswer;
    KyselyStore.prototype.finishAnswer = function (this: KyselyStore, ...args) {
      // Blocks this thread: only bytes already handed to the kernel can reach the client meanwhile.
      waits.push(Atomics.wait(flag, 0, 0, 2000));
      return finishAnswer.apply(this, args);
    };
    try {
      const text = new Promise<string>((resolve, reject) => {
        client.once('message', resolve);
        client.once('error', reject);
      });
      client.postMessage({
        url: `${server.url}/backend-api/conversation`,
        token: server.alice.token,
        body: JSON.stringify(turnBody('Measured')),
        marker,
      });
      assert.match(await text, /and the rest of the answer/, 'the whole answer came');
    } finally {
      KyselyStore.prototype.finishAnswer = finishAnswer;
      await client.terminate();
    }
    assert.equal(waits.length, 1);
    assert.notEqual(waits[0], 'timed-out', 'the first token was still queued when the answer was committed');
  });
});
