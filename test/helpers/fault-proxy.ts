/**
 * A TCP fault proxy (node:net) to put between backchat processes and PostgreSQL or Redis: it listens on
 * 127.0.0.1 (a free port), forwards every connection to `target`, and injects faults that can be changed
 * while it runs — per-chunk delays (byte order kept per direction), resets (RST on both sides) per chunk
 * or per connection, half-open stalls (one or both directions stop forwarding without closing), cutting
 * every connection, and refusing new ones (the dependency is "down"). Draws come from a seeded source, so
 * a run's sequence of faults is replayed by its seed (timing stays real).
 *
 * ```ts
 * const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 }, seed: 7 });
 * const url = proxiedUrl('postgres://postgres@127.0.0.1:5432/db', proxy);   // the same URL, via the proxy
 * proxy.configure({ delayMs: { min: 1, max: 20 }, resetChunkChance: 0.01 });
 * proxy.stall({ direction: 'to-client', ms: 500 });   // or without ms: until proxy.heal()
 * proxy.cutAll(); proxy.refuse(true); proxy.refuse(false);
 * proxy.stats;                                         // accepted, open, refused, resets, stalls, bytes
 * await proxy.close();
 * ```
 */
import net from 'node:net';
import { chooseSeed, type SeededRandom, seededRandom } from './seeded-random.js';

/** How long `close()` lets reset connections close by themselves before destroying them (ms). */
const closeGraceMs = 1_000;

/** A closed range to draw from uniformly: milliseconds, or bytes. */
export interface Range {
  min: number;
  max: number;
}

/** `to-target`: what the client sends; `to-client`: what the target answers. */
export type Direction = 'to-target' | 'to-client';
export type Directions = Direction | 'both';

/** The faults; every one is off unless set. `configure` replaces the keys it is given. */
export interface FaultSettings {
  /** Each chunk waits a delay drawn from this range (ms) before it is forwarded; order per direction is kept. */
  delayMs?: Range;
  /** Chance per chunk (either direction) that the connection is reset instead of forwarding it. */
  resetChunkChance?: number;
  /** Chance per new connection that it is doomed: reset after `resetAfterBytes` forwarded bytes. */
  resetConnectionChance?: number;
  /** Bytes (both directions together) a doomed connection forwards before its reset (default 0: at once). */
  resetAfterBytes?: Range;
  /** Chance per chunk that its connection stalls before forwarding it (a half-open stall). */
  stallChunkChance?: number;
  /** How long such a stall lasts (ms); without it, until `heal()`. */
  stallMs?: Range;
  /** Which direction a random stall holds (default `both`). */
  stallDirection?: Directions;
}

export interface FaultProxyOptions extends FaultSettings {
  target: { host: string; port: number };
  /** Seed of the fault draws (default: `BACKCHAT_FAULT_SEED`, else a random one; see `proxy.seed`). */
  seed?: number;
}

export interface FaultProxyStats {
  /** Connections accepted (including refused ones). */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Connections reset at once because the proxy was refusing. */
  refused: number;
  /** Connections the proxy reset as a fault (per chunk, per connection, `cutAll`). */
  resets: number;
  /** Stalls begun (random ones and `stall()` calls). */
  stalls: number;
  bytesToTarget: number;
  bytesToClient: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  seed: number;
  /** A snapshot of the counters. */
  readonly stats: FaultProxyStats;
  /** Replaces the given fault settings (a key given as undefined turns that fault off). */
  configure(settings: FaultSettings): void;
  /** Stops forwarding in `direction` (default both) on every connection, open or new, for `ms` or until `heal()`. */
  stall(options?: { direction?: Directions; ms?: number }): void;
  /** Ends every stall, global and per connection; queued bytes flow again, in order. */
  heal(): void;
  /** Resets every open connection; returns how many. */
  cutAll(): number;
  /** While on, every new connection is reset at once (the dependency is down). */
  refuse(on: boolean): void;
  /** Stops listening and destroys every connection and timer. */
  close(): Promise<void>;
}

/** Pause reading a source while this many bytes wait to be forwarded; resume below the low mark. */
const highWaterBytes = 1 << 20;
const lowWaterBytes = 256 << 10;

interface ProxyState {
  settings: FaultSettings;
  random: SeededRandom;
  stats: FaultProxyStats;
  /** Until when (performance.now() ms; Infinity: until heal) each direction is stalled for everyone. */
  globalStall: Record<Direction, number>;
  relays: Set<Relay>;
}

function drawMs(random: SeededRandom, range: Range | undefined): number {
  const draw = random.next();
  return range ? range.min + draw * Math.max(0, range.max - range.min) : 0;
}

function directionsOf(directions: Directions): Direction[] {
  return directions === 'both' ? ['to-target', 'to-client'] : [directions];
}

/**
 * Closes a socket with RST (no FIN), once. One still connecting has no peer to reset and is destroyed:
 * `resetAndDestroy()` would wait for its connection, which a target with a full backlog leaves pending
 * for as long as the kernel retries the SYN (minutes).
 */
function hardClose(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

/** One direction of a relay: chunks queue with their due time and leave in order, unless stalled. */
class Lane {
  private readonly queue: Array<{ chunk: Buffer; due: number }> = [];
  private queuedBytes = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private sourceEnded = false;
  /** This lane's own stall (performance.now() ms; Infinity: until heal). */
  stalledUntil = 0;

  constructor(
    readonly direction: Direction,
    private readonly source: net.Socket,
    private readonly dest: net.Socket,
    private readonly relay: Relay,
  ) {
    source.on('data', (chunk: Buffer) => this.receive(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.flush();
    });
  }

  private receive(chunk: Buffer): void {
    const { settings } = this.relay.state;
    const random = this.relay.random;
    // Three draws per chunk whatever the settings, so one setting does not shift the others' sequence.
    const reset = random.chance(settings.resetChunkChance ?? 0);
    const stall = random.chance(settings.stallChunkChance ?? 0);
    const delay = drawMs(random, settings.delayMs);
    if (reset) {
      this.relay.reset();
      return;
    }
    if (stall) this.relay.stallRandomly();
    this.lastDue = Math.max(this.lastDue, performance.now() + delay);
    this.queue.push({ chunk, due: this.lastDue });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > highWaterBytes) this.source.pause();
    this.flush();
  }

  private stallEnd(): number {
    return Math.max(this.stalledUntil, this.relay.state.globalStall[this.direction]);
  }

  /** Forwards what is due; schedules itself for the next due chunk or the end of a bounded stall. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (!this.relay.closed && !this.waitingDrain) {
      const head = this.queue[0];
      if (!head && !this.sourceEnded) break;
      const wait = Math.max(this.stallEnd(), head?.due ?? 0) - performance.now();
      if (wait > 0) {
        if (wait !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.flush(), wait);
        return;
      }
      if (!head) {
        if (!this.dest.destroyed && !this.dest.writableEnded) this.dest.end();
        break;
      }
      this.queue.shift();
      this.queuedBytes -= head.chunk.length;
      if (!this.forward(head.chunk)) return;
    }
    if (this.queuedBytes <= lowWaterBytes && this.source.isPaused() && !this.source.destroyed) this.source.resume();
  }

  /** Writes one chunk (or the part a doomed connection may still send, then resets); false once reset. */
  private forward(chunk: Buffer): boolean {
    if (this.dest.destroyed) return true;
    const allowed = this.relay.allowance();
    if (allowed < chunk.length) {
      if (allowed > 0) {
        this.relay.counted(this.direction, allowed);
        this.dest.write(chunk.subarray(0, allowed));
      }
      this.relay.reset();
      return false;
    }
    this.relay.counted(this.direction, chunk.length);
    if (!this.dest.write(chunk)) {
      this.waitingDrain = true;
      this.dest.once('drain', () => {
        this.waitingDrain = false;
        this.flush();
      });
    }
    return true;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }
}

/** One proxied connection: the client's socket, the target's, and a lane each way. */
class Relay {
  readonly lanes: Lane[];
  closed = false;
  /** Resolves once both sockets have closed. */
  readonly gone: Promise<void>;
  private markGone: () => void = () => {};
  private forwarded = 0;

  constructor(
    readonly state: ProxyState,
    private readonly client: net.Socket,
    private readonly target: net.Socket,
    readonly random: SeededRandom,
    /** Bytes it forwards before an injected reset (Infinity: not doomed). */
    private readonly budget: number,
  ) {
    this.lanes = [new Lane('to-target', client, target, this), new Lane('to-client', target, client, this)];
    this.gone = new Promise((resolve) => {
      this.markGone = resolve;
    });
    state.relays.add(this);
    state.stats.open++;
    let open = 2;
    for (const socket of [client, target]) {
      // A peer's abortive close (or a failed connect to the target) is passed on as one.
      socket.on('error', () => this.teardown());
      socket.on('close', () => {
        if (--open === 0) this.forget();
      });
    }
  }

  allowance(): number {
    return this.budget - this.forwarded;
  }

  counted(direction: Direction, bytes: number): void {
    this.forwarded += bytes;
    if (direction === 'to-target') this.state.stats.bytesToTarget += bytes;
    else this.state.stats.bytesToClient += bytes;
  }

  /** A random stall as the settings say: its directions, for a drawn time or until heal. */
  stallRandomly(): void {
    const { settings, stats } = this.state;
    const until = settings.stallMs
      ? performance.now() + drawMs(this.random, settings.stallMs)
      : Number.POSITIVE_INFINITY;
    const held = directionsOf(settings.stallDirection ?? 'both');
    for (const lane of this.lanes) {
      if (held.includes(lane.direction)) lane.stalledUntil = Math.max(lane.stalledUntil, until);
    }
    stats.stalls++;
  }

  /** An injected fault: RST to both sides. */
  reset(): void {
    if (this.closed) return;
    this.state.stats.resets++;
    this.teardown();
  }

  /** Destroys both sockets whatever their state (their RST did not close them). */
  destroy(): void {
    this.client.destroy();
    this.target.destroy();
  }

  /** Closes both sides abortively, once. */
  teardown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const lane of this.lanes) lane.dispose();
    hardClose(this.client);
    hardClose(this.target);
  }

  private forget(): void {
    for (const lane of this.lanes) lane.dispose();
    this.closed = true;
    if (this.state.relays.delete(this)) this.state.stats.open--;
    this.markGone();
  }
}

/** `url` (postgres://…, redis://…) with its host and port replaced by the proxy's. */
export function proxiedUrl(url: string, proxy: Pick<FaultProxy, 'address'>): string {
  const parsed = new URL(url);
  parsed.host = proxy.address;
  return parsed.toString();
}

/** Starts a fault proxy on 127.0.0.1 (a free port) in front of `options.target`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { target, seed: givenSeed, ...settings } = options;
  const seed = givenSeed ?? chooseSeed('BACKCHAT_FAULT_SEED');
  const state: ProxyState = {
    settings,
    random: seededRandom(seed),
    stats: { accepted: 0, open: 0, refused: 0, resets: 0, stalls: 0, bytesToTarget: 0, bytesToClient: 0 },
    globalStall: { 'to-target': 0, 'to-client': 0 },
    relays: new Set(),
  };
  let refusing = false;
  let closed = false;
  const accept = (client: net.Socket) => {
    client.on('error', () => {});
    state.stats.accepted++;
    if (refusing || closed) {
      state.stats.refused++;
      hardClose(client);
      return;
    }
    // One fork per connection, in accept order: a connection's chunk draws do not shift another's.
    const random = state.random.fork();
    const doomed = random.chance(state.settings.resetConnectionChance ?? 0);
    const range = state.settings.resetAfterBytes ?? { min: 0, max: 0 };
    const budget = doomed ? random.between(range.min, range.max) : Number.POSITIVE_INFINITY;
    if (budget <= 0) {
      state.stats.resets++;
      hardClose(client);
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    new Relay(state, client, upstream, random, budget);
  };
  const server = net.createServer({ allowHalfOpen: true }, accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the fault proxy has no TCP address');
  const heal = () => {
    state.globalStall = { 'to-target': 0, 'to-client': 0 };
    for (const relay of state.relays) {
      for (const lane of relay.lanes) lane.stalledUntil = 0;
      for (const lane of relay.lanes) lane.flush();
    }
  };
  return {
    host: '127.0.0.1',
    port: address.port,
    address: `127.0.0.1:${address.port}`,
    seed,
    get stats() {
      return { ...state.stats };
    },
    configure(next) {
      state.settings = { ...state.settings, ...next };
    },
    stall({ direction = 'both', ms } = {}) {
      const until = ms === undefined ? Number.POSITIVE_INFINITY : performance.now() + ms;
      for (const held of directionsOf(direction)) state.globalStall[held] = Math.max(state.globalStall[held], until);
      state.stats.stalls++;
    },
    heal,
    cutAll() {
      const open = [...state.relays].filter((relay) => !relay.closed);
      for (const relay of open) relay.reset();
      return open.length;
    },
    refuse(on) {
      refusing = on;
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const relays = [...state.relays];
      for (const relay of relays) relay.teardown();
      heal();
      // A connection its reset has not closed within a second is destroyed outright: closing is bounded.
      const late = setTimeout(() => {
        for (const relay of relays) relay.destroy();
      }, closeGraceMs);
      await Promise.all([stopped, ...relays.map((relay) => relay.gone)]);
      clearTimeout(late);
    },
  };
}
