/**
 * The fault proxy (fault-proxy.ts) in front of a local echo server on 127.0.0.1: bytes pass intact and
 * in order under delays, resets come at the configured rate, stalls hold without closing until they end
 * or are healed, refusing resets new connections, and close() releases every connection and the port.
 * Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { type FaultProxy, type FaultProxyOptions, proxiedUrl, startFaultProxy } from '../helpers/fault-proxy.js';
import { chooseSeed, seededRandom } from '../helpers/seeded-random.js';

interface EchoServer {
  port: number;
  /** Bytes the echo server received, over all connections. */
  received(): number;
  open(): number;
  close(): Promise<void>;
}

async function startEcho(): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  let received = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    received: () => received,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** How a client connection ended up: what it read and whether it was reset or closed by the other side. */
interface Reading {
  data: Buffer;
  ending: 'complete' | 'reset' | 'closed' | 'timeout';
}

/** Reads from `socket` until `bytes` arrived, the socket ended, or `timeoutMs` passed. */
function readBytes(socket: net.Socket, bytes: number, timeoutMs: number): Promise<Reading> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (ending: Reading['ending']) => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ data: Buffer.concat(chunks), ending });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) finish('complete');
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', onData);
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' ? 'reset' : 'closed'));
    socket.once('close', () => finish('closed'));
  });
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await withTimeout(once(socket, 'connect'), 2_000, `connecting to 127.0.0.1:${port}`);
  return socket;
}

/** One connection, one payload, its echo (or how it failed). */
async function roundTrip(port: number, payload: Buffer, timeoutMs = 2_000): Promise<Reading> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const reading = readBytes(socket, payload.length, timeoutMs);
  socket.write(payload);
  const result = await reading;
  socket.destroy();
  return result;
}

describe('fault proxy', () => {
  let echo: EchoServer;
  const proxies: FaultProxy[] = [];
  const seed = chooseSeed('BACKCHAT_FAULT_SEED');

  const proxy = async (options: Omit<FaultProxyOptions, 'target'> = {}) => {
    const started = await startFaultProxy({ target: { host: '127.0.0.1', port: echo.port }, seed, ...options });
    proxies.push(started);
    return started;
  };

  before(async () => {
    echo = await startEcho();
  });
  after(async () => {
    await Promise.all(proxies.map((each) => each.close()));
    await echo.close();
  });

  test('bytes pass intact and in order with random delays, on several connections at once', async (t) => {
    t.diagnostic(`seed ${seed} (BACKCHAT_FAULT_SEED=${seed})`);
    const faulty = await proxy({ delayMs: { min: 0, max: 8 } });
    const random = seededRandom(seed);
    const payloads = [0, 1, 2].map(() => Array.from({ length: 80 }, () => randomBytes(1 + random.int(3000))));
    const results = await Promise.all(
      payloads.map(async (chunks) => {
        const socket = await connect(faulty.port);
        const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        const reading = readBytes(socket, total, 10_000);
        for (const chunk of chunks) {
          socket.write(chunk);
          // Separate writes become separate chunks at the proxy now and then.
          if (random.chance(0.5)) await nextTurn();
        }
        const result = await reading;
        socket.destroy();
        return { sent: Buffer.concat(chunks), result };
      }),
    );
    for (const { sent, result } of results) {
      assert.equal(result.ending, 'complete');
      assert.ok(result.data.equals(sent), 'the echo is byte for byte what was sent');
    }
    const sentBytes = results.reduce((sum, { sent }) => sum + sent.length, 0);
    assert.equal(faulty.stats.bytesToTarget, sentBytes);
    assert.equal(faulty.stats.bytesToClient, sentBytes);
    assert.equal(faulty.stats.resets, 0);
  });

  test('delays can be changed while it runs', async () => {
    const faulty = await proxy();
    const timed = async () => {
      const started = performance.now();
      assert.equal((await roundTrip(faulty.port, Buffer.from('ping'))).ending, 'complete');
      return performance.now() - started;
    };
    assert.ok((await timed()) < 190, 'faster than with the delay');
    faulty.configure({ delayMs: { min: 100, max: 100 } });
    assert.ok((await timed()) >= 190, 'each direction waits 100 ms');
    faulty.configure({ delayMs: undefined });
    assert.ok((await timed()) < 190, 'fast again');
  });

  test('connections are reset at the configured rate (per connection and per chunk)', async (t) => {
    t.diagnostic(`seed ${seed}`);
    const count = 300;
    const rate = async (faulty: FaultProxy) => {
      let failed = 0;
      for (let batch = 0; batch < count; batch += 30) {
        const readings = await Promise.all(
          Array.from({ length: 30 }, () => roundTrip(faulty.port, Buffer.from('ping'))),
        );
        failed += readings.filter((reading) => reading.ending !== 'complete').length;
        assert.ok(
          readings.every((reading) => reading.ending !== 'timeout'),
          'a reset is seen at once, never a hang',
        );
      }
      return failed;
    };
    const perConnection = await proxy({ resetConnectionChance: 0.3 });
    const failedConnections = await rate(perConnection);
    t.diagnostic(`per connection 0.3: ${failedConnections} of ${count} reset`);
    assert.equal(perConnection.stats.resets, failedConnections, 'every failure was an injected reset');
    // ±0.12 is 4.5 standard deviations of a binomial(300, 0.3) share.
    assert.ok(Math.abs(failedConnections / count - 0.3) < 0.12, `${failedConnections} of ${count} near 30 %`);

    // One chunk each way per round trip: a connection survives with (1 - 0.1)² = 0.81.
    const perChunk = await proxy({ resetChunkChance: 0.1 });
    const failedChunks = await rate(perChunk);
    t.diagnostic(`per chunk 0.1: ${failedChunks} of ${count} reset`);
    assert.equal(perChunk.stats.resets, failedChunks);
    assert.ok(Math.abs(failedChunks / count - 0.19) < 0.1, `${failedChunks} of ${count} near 19 %`);
  });

  test('a doomed connection forwards exactly its byte budget, then is reset', async () => {
    const faulty = await proxy({ resetConnectionChance: 1, resetAfterBytes: { min: 1000, max: 1000 } });
    const reading = await roundTrip(faulty.port, randomBytes(5000));
    assert.notEqual(reading.ending, 'complete');
    assert.notEqual(reading.ending, 'timeout');
    assert.equal(faulty.stats.bytesToTarget + faulty.stats.bytesToClient, 1000);
    assert.equal(faulty.stats.resets, 1);
  });

  test('a stall holds one direction without closing until heal(); a bounded stall ends by itself', async () => {
    const faulty = await proxy();
    const socket = await connect(faulty.port);
    faulty.stall({ direction: 'to-client' });
    const receivedBefore = echo.received();
    const held = readBytes(socket, 5, 300);
    socket.write('hello');
    assert.equal((await held).ending, 'timeout', 'nothing comes back while stalled');
    assert.equal(echo.received() - receivedBefore, 5, 'the other direction still flows');
    assert.equal(socket.destroyed, false, 'the connection stays open');
    const healed = readBytes(socket, 5, 1_000);
    faulty.heal();
    assert.equal((await healed).data.toString(), 'hello');

    faulty.stall({ ms: 250 });
    const started = performance.now();
    const bounded = readBytes(socket, 5, 3_000);
    socket.write('again');
    const reading = await bounded;
    assert.equal(reading.data.toString(), 'again');
    assert.ok(performance.now() - started >= 200, 'held for the stall');
    socket.destroy();
    assert.equal(faulty.stats.stalls, 2);
  });

  test('random stalls per chunk: bounded ones delay, unbounded ones wait for heal(); order is kept', async () => {
    const bounded = await proxy({ stallChunkChance: 0.5, stallMs: { min: 20, max: 60 }, stallDirection: 'to-target' });
    const payload = Array.from({ length: 20 }, (_, index) => Buffer.from(`chunk ${index};`));
    const socket = await connect(bounded.port);
    const total = payload.reduce((sum, chunk) => sum + chunk.length, 0);
    const reading = readBytes(socket, total, 10_000);
    for (const chunk of payload) {
      socket.write(chunk);
      await sleep(2);
    }
    assert.ok((await reading).data.equals(Buffer.concat(payload)));
    assert.ok(bounded.stats.stalls > 0, 'some chunks stalled');
    socket.destroy();

    const unbounded = await proxy({ stallChunkChance: 1 });
    const stuck = await connect(unbounded.port);
    const waiting = readBytes(stuck, 4, 3_000);
    stuck.write('ping');
    await sleep(200);
    assert.equal(unbounded.stats.stalls, 1, 'stalled until heal');
    // The echo must not stall again on its way back.
    unbounded.configure({ stallChunkChance: 0 });
    unbounded.heal();
    assert.equal((await waiting).data.toString(), 'ping');
    stuck.destroy();
  });

  test('refuse mode resets new connections at once; off again, they work', async () => {
    const faulty = await proxy();
    faulty.refuse(true);
    const refused = await roundTrip(faulty.port, Buffer.from('ping'), 2_000);
    assert.ok(refused.ending === 'reset' || refused.ending === 'closed', `refused: ${refused.ending}`);
    assert.equal(faulty.stats.refused, 1);
    faulty.refuse(false);
    assert.equal((await roundTrip(faulty.port, Buffer.from('ping'))).ending, 'complete');
  });

  test('cutAll resets every open connection; new ones work', async () => {
    const faulty = await proxy();
    const sockets = await Promise.all([1, 2, 3].map(() => connect(faulty.port)));
    await pollUntil(async () => (faulty.stats.open === 3 ? true : undefined), 'three open connections');
    const endings = sockets.map((socket) => readBytes(socket, 1, 2_000));
    assert.equal(faulty.cutAll(), 3);
    for (const ending of await Promise.all(endings)) assert.ok(ending.ending === 'reset' || ending.ending === 'closed');
    assert.equal(faulty.stats.resets, 3);
    await pollUntil(async () => (faulty.stats.open === 0 ? true : undefined), 'no open connection');
    assert.equal((await roundTrip(faulty.port, Buffer.from('ping'))).ending, 'complete');
  });

  test('a target that is down shows as a reset connection', async () => {
    const unused = await startEcho();
    await unused.close();
    const faulty = await startFaultProxy({ target: { host: '127.0.0.1', port: unused.port }, seed });
    proxies.push(faulty);
    const reading = await roundTrip(faulty.port, Buffer.from('ping'));
    assert.ok(reading.ending === 'reset' || reading.ending === 'closed', `got ${reading.ending}`);
  });

  test('close releases every connection, timer and the port', async () => {
    const echoOpen = echo.open();
    const faulty = await startFaultProxy({ target: { host: '127.0.0.1', port: echo.port }, seed });
    const sockets = await Promise.all([1, 2].map(() => connect(faulty.port)));
    faulty.stall();
    sockets[0]?.write('queued while stalled');
    faulty.configure({ delayMs: { min: 5_000, max: 5_000 } });
    sockets[1]?.write('queued behind a long delay');
    await pollUntil(async () => (echo.open() === echoOpen + 2 ? true : undefined), 'the echo server sees both');
    const endings = sockets.map((socket) => readBytes(socket, 1, 2_000));
    await withTimeout(faulty.close(), 2_000, 'closing the proxy');
    for (const ending of await Promise.all(endings)) assert.notEqual(ending.ending, 'timeout');
    assert.equal(faulty.stats.open, 0);
    await pollUntil(async () => (echo.open() === echoOpen ? true : undefined), "the target's side is closed too");
    const again = net.createServer();
    again.listen(faulty.port, '127.0.0.1');
    await withTimeout(once(again, 'listening'), 2_000, 'listening on the freed port');
    again.close();
  });

  test('close does not wait for a connection still connecting to a target that accepts nothing', async () => {
    // A listener whose process never accepts (its event loop blocked for up to 30 s): once its backlog
    // is full the kernel drops further SYNs and retries them, so the proxy's connection stays pending.
    const source = `const s = require('node:net').createServer();
      s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
        console.log(s.address().port);
        setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000), 50);
      });`;
    const stuck = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await withTimeout(once(stuck.stdout, 'data'), 10_000, 'the listener');
      const port = Number(String(line).trim());
      await sleep(200);
      const fillers = Array.from({ length: 4 }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
      const faulty = await startFaultProxy({ target: { host: '127.0.0.1', port }, seed });
      const client = await connect(faulty.port);
      await pollUntil(async () => (faulty.stats.open === 1 ? true : undefined), 'the connection is relayed');
      await withTimeout(faulty.close(), 3_000, 'closing the proxy');
      assert.equal(faulty.stats.open, 0);
      client.destroy();
      for (const filler of fillers) filler.destroy();
    } finally {
      stuck.kill('SIGKILL');
    }
  });

  test('proxiedUrl points a database or Redis URL at the proxy', () => {
    const address = '127.0.0.1:4242';
    assert.equal(
      proxiedUrl('postgres://postgres@db.example:5432/test?x=1', { address }),
      `postgres://postgres@${address}/test?x=1`,
    );
    assert.equal(proxiedUrl('redis://127.0.0.1:6379/2', { address }), `redis://${address}/2`);
  });
});
