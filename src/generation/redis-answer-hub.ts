/**
 * The AnswerHub in Redis, shared by every backchat instance on it: any instance can find, read, follow
 * and stop an answer that another one writes.
 *
 * Layout (under the prefix, `backchat:` by default; ids are URI-encoded):
 * - `answer:<id>` — a hash: conversationId, ownerId, instanceId, live (1/0), last (newest event id),
 *   and the newest snapshot (snapshotId, snapshot). Snapshots are cumulative, so only the newest is
 *   kept: an answer's size in Redis is its text, not its number of tokens.
 * - `answer:<id>:events` — a stream of the other events (final message, error, moderation, `[DONE]`:
 *   a handful per answer), stream id `<event id>-0`, so "after event n" is one XRANGE.
 * - `answer:<id>:alive` — exists while the writing process lives: set with a TTL of `liveTtlMs` and
 *   refreshed by that process (one script call per tick for all its open answers). A writer killed
 *   without `end` stops refreshing it; every hub then treats the answer as gone (find/get: undefined; its
 *   followers get a last `[DONE]`, within `liveTtlMs` + `pollMs`). Once expired it is never revived.
 * - `newest:<owner>:<conversation>` — the id of the conversation's newest answer.
 * - channels `answer:<id>` (its events, as `<id>\n<kind>\n<data>`) and `stop` (answer ids to stop).
 * Every key expires: while the answer is written, `liveTtlMs` + `retentionMs` after the writer's last
 * refresh; after `end`, `retentionMs` after it.
 *
 * Each call is one round trip: a Lua script (EVALSHA) does the check and every write atomically, and
 * `publish` also PUBLISHes the event in the same script — one call per token, nothing to compute here.
 *
 * Live delivery: pub/sub, on one subscriber connection per hub (not one per reader); a channel is
 * subscribed while this process has readers of that answer. A reader subscribes first, then reads the
 * log after its event id, and takes the events the channel brought meanwhile (held until then) only
 * when newer than what it has: nothing lost in the gap, nothing twice. Pub/sub drops what is published
 * while the subscriber connection is away, so after a reconnection every reader catches up from the
 * log again, and a poll every `pollMs` catches answers that ended (or whose writer died) unseen.
 * Failures are SharedStateUnavailableError (src/redis/redis-connection.ts).
 */
import type { Redis } from 'ioredis';
import {
  closeRedis,
  defaultRedisPrefix,
  openRedis,
  openRedisSubscriber,
  withRedis,
} from '../redis/redis-connection.js';
import { AnswerFollower, type CatchUp } from './answer-follower.js';
import type { AnswerEvent, AnswerHub, AnswerState, LiveAnswer, Subscription } from './answer-hub.js';
import { defaultRetentionMs } from './memory-answer-hub.js';
import {
  endScript,
  heartbeatScript,
  livenessScript,
  openScript,
  parseMessage,
  parseRead,
  publishScript,
  readScript,
  stateScript,
} from './redis-answer-scripts.js';

export interface RedisAnswerHubOptions {
  /** Where Redis is (`redis://…`); the hub opens its two connections there. */
  url?: string;
  /** Instead of `url`: opens the hub's connections (openRedis / openRedisSubscriber); the hub closes them. */
  connect?: (role: 'commands' | 'subscriber') => Redis;
  /** Put before every key and channel (default `backchat:`); instances that share answers use the same one. */
  prefix?: string;
  /** How long an ended answer stays readable (default 60 s). */
  retentionMs?: number;
  /** How long an answer stays live after its writer's last sign of life (default 10 s; refreshed every third). */
  liveTtlMs?: number;
  /** How often readers' answers are checked for an unseen end or a dead writer (default 1 s). */
  pollMs?: number;
  /** Where problems are reported (a connection lost, a failed refresh). */
  log?: (message: string) => void;
}

/** An error for the log: its message, and its cause's (a Redis failure says why). */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

interface AnswerKeys {
  meta: string;
  events: string;
  alive: string;
  channel: string;
}

export class RedisAnswerHub implements AnswerHub {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly liveTtlMs: number;
  private readonly pollMs: number;
  private readonly log: (message: string) => void;
  /** Answers this process writes (opened, not ended): their liveness is refreshed. */
  private readonly writing = new Map<string, { keys: AnswerKeys; newest: string }>();
  /** This process's readers, by answer id. */
  private readonly followers = new Map<string, Set<AnswerFollower>>();
  /** Channels subscribed (or being subscribed) on the subscriber connection. */
  private readonly channels = new Map<string, Promise<void>>();
  private readonly stopListeners = new Set<(answerId: string) => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private subscriberWasReady = false;
  private connectionLost = false;

  constructor(options: RedisAnswerHubOptions) {
    const { url, connect } = options;
    this.log = options.log ?? (() => {});
    const onError = (error: Error) => this.lost(error);
    if (connect) {
      this.commands = connect('commands');
      this.subscriber = connect('subscriber');
    } else if (url) {
      this.commands = openRedis(url, { name: 'backchat-answers' });
      this.subscriber = openRedisSubscriber(url, { name: 'backchat-answers-subscriber' });
    } else {
      throw new TypeError('RedisAnswerHub needs a url or a connect function');
    }
    this.prefix = options.prefix ?? defaultRedisPrefix;
    this.retentionMs = options.retentionMs ?? defaultRetentionMs;
    this.liveTtlMs = options.liveTtlMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1_000;
    for (const client of [this.commands, this.subscriber]) client.on('error', onError);
    this.subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    this.subscriber.on('ready', () => this.subscriberReady());
    this.commands.on('ready', () => {
      this.connectionLost = false;
    });
  }

  async open(answer: LiveAnswer): Promise<void> {
    const { answerId, conversationId, ownerId, instanceId } = answer;
    const keys = this.keys(answerId);
    const newest = this.newestKey(ownerId, conversationId);
    const args = [answerId, conversationId, ownerId, instanceId, this.liveTtlMs, this.keepMs];
    await this.run(() => openScript.run(this.commands, [keys.meta, keys.events, keys.alive, newest], args));
    this.writing.set(answerId, { keys, newest });
    this.startHeartbeat();
  }

  async publish(answerId: string, event: AnswerEvent): Promise<void> {
    const keys = this.writing.get(answerId)?.keys ?? this.keys(answerId);
    const args = [event.id, event.kind, event.data, keys.channel];
    await this.run(() => publishScript.run(this.commands, [keys.meta, keys.events], args));
  }

  async end(answerId: string): Promise<void> {
    const written = this.writing.get(answerId);
    const keys = written?.keys ?? this.keys(answerId);
    const scriptKeys = [keys.meta, keys.events, keys.alive, ...(written ? [written.newest] : [])];
    // Stop refreshing its liveness first: when the script fails (Redis away), the answer still ends for
    // every hub once its alive key runs out, as if its writer had died — not live forever.
    this.writing.delete(answerId);
    await this.run(() => endScript.run(this.commands, scriptKeys, [answerId, this.retentionMs]));
  }

  async find(ownerId: string, conversationId: string): Promise<AnswerState | undefined> {
    const answerId = await this.run(() => this.commands.get(this.newestKey(ownerId, conversationId)));
    return answerId === null ? undefined : this.get(ownerId, answerId);
  }

  async get(ownerId: string, answerId: string): Promise<AnswerState | undefined> {
    const keys = this.keys(answerId);
    const reply = await this.run(() => stateScript.run(this.commands, [keys.meta, keys.alive]));
    if (!Array.isArray(reply)) return undefined;
    const [conversationId, owner, instanceId, live, last, alive] = reply as [
      string,
      string,
      string,
      string,
      string,
      number,
    ];
    if (owner !== ownerId) return undefined;
    // Its writer died (it never ended it and stopped refreshing it): its log ends in a stale snapshot,
    // so the hub no longer offers it — the stored message (marked interrupted by the lease sweep) is the
    // answer. Readers already following it were given a last `[DONE]`.
    if (live === '1' && alive !== 1) return undefined;
    return {
      answer: { answerId, conversationId, ownerId, instanceId },
      live: live === '1' && alive === 1,
      lastEventId: Number(last),
    };
  }

  async subscribe(
    answerId: string,
    afterId: number,
    listener: (event: AnswerEvent) => void,
  ): Promise<Subscription | false> {
    const follower = new AnswerFollower(
      answerId,
      afterId,
      listener,
      (closed) => this.unfollow(closed),
      (error) => this.log(`an answer reader failed: ${reason(error)}`),
    );
    const followers = this.followers.get(answerId) ?? new Set();
    followers.add(follower);
    this.followers.set(answerId, followers);
    try {
      await this.listen(this.keys(answerId).channel);
      const read = await this.read(answerId, follower.lastId);
      if (!read) {
        follower.close();
        return false;
      }
      follower.caughtUp(read);
    } catch (error) {
      follower.close();
      throw error;
    }
    this.startPoll();
    return { unsubscribe: () => follower.close() };
  }

  async requestStop(answerId: string): Promise<void> {
    await this.run(() => this.commands.publish(this.stopChannel, answerId));
  }

  async onStopRequest(listener: (answerId: string) => void): Promise<() => void> {
    const unsubscribe = () => {
      this.stopListeners.delete(listener);
      if (this.stopListeners.size === 0) this.unlisten(this.stopChannel);
    };
    this.stopListeners.add(listener);
    try {
      await this.listen(this.stopChannel);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  async dispose(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.poll);
    this.heartbeat = undefined;
    this.poll = undefined;
    this.writing.clear();
    this.stopListeners.clear();
    const followers = [...this.followers.values()].flatMap((set) => [...set]);
    this.followers.clear();
    for (const follower of followers) follower.close();
    this.channels.clear();
    await Promise.all([closeRedis(this.commands), closeRedis(this.subscriber)]);
  }

  private get keepMs(): number {
    return this.liveTtlMs + this.retentionMs;
  }

  private get stopChannel(): string {
    return `${this.prefix}stop`;
  }

  private keys(answerId: string): AnswerKeys {
    const meta = `${this.prefix}answer:${encodeURIComponent(answerId)}`;
    return { meta, events: `${meta}:events`, alive: `${meta}:alive`, channel: meta };
  }

  private newestKey(ownerId: string, conversationId: string): string {
    return `${this.prefix}newest:${encodeURIComponent(ownerId)}:${encodeURIComponent(conversationId)}`;
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return withRedis(this.commands, work);
  }

  private async read(answerId: string, afterId: number): Promise<CatchUp | undefined> {
    const keys = this.keys(answerId);
    return parseRead(
      await this.run(() => readScript.run(this.commands, [keys.meta, keys.events, keys.alive], [afterId])),
    );
  }

  /** Subscribes to `channel` once, however many readers need it. */
  private async listen(channel: string): Promise<void> {
    let subscribed = this.channels.get(channel);
    if (!subscribed) {
      const subscribing = withRedis(this.subscriber, async () => {
        await this.subscriber.subscribe(channel);
      });
      subscribed = subscribing;
      this.channels.set(channel, subscribing);
      subscribing.catch(() => {
        if (this.channels.get(channel) === subscribing) this.channels.delete(channel);
      });
    }
    await subscribed;
  }

  private unlisten(channel: string): void {
    if (!this.channels.delete(channel)) return;
    // When this fails (the connection is away), the channel is subscribed again on reconnection and
    // its messages are ignored: nobody here reads that answer.
    this.subscriber.unsubscribe(channel).catch(() => {});
  }

  private unfollow(follower: AnswerFollower): void {
    const followers = this.followers.get(follower.answerId);
    if (!followers?.delete(follower) || followers.size > 0) return;
    this.followers.delete(follower.answerId);
    this.unlisten(this.keys(follower.answerId).channel);
  }

  private dispatch(channel: string, message: string): void {
    if (channel === this.stopChannel) {
      for (const listener of [...this.stopListeners]) {
        try {
          listener(message);
        } catch (error) {
          this.log(`a stop request listener failed: ${reason(error)}`);
        }
      }
      return;
    }
    const answerPrefix = `${this.prefix}answer:`;
    if (!channel.startsWith(answerPrefix)) return;
    const followers = this.followers.get(decodeURIComponent(channel.slice(answerPrefix.length)));
    const event = followers && parseMessage(message);
    if (!event || !followers) return;
    for (const follower of [...followers]) follower.receive(event);
  }

  /** Reads the log again for `follower` (after a reconnection, an unseen end, a failed catch-up). */
  private catchUp(follower: AnswerFollower): void {
    if (follower.closed || (follower.catchingUp && !follower.behind)) return;
    follower.catchingUp = true;
    follower.behind = false;
    this.read(follower.answerId, follower.lastId).then(
      (read) => follower.caughtUp(read ?? { events: [], again: undefined, live: false, lastEventId: 0 }),
      (error: Error) => {
        follower.behind = true;
        this.log(`could not catch up with answer ${follower.answerId}: ${reason(error)}`);
      },
    );
  }

  /** The subscriber connection is back: make sure every channel is subscribed, then catch up. */
  private subscriberReady(): void {
    this.connectionLost = false;
    if (!this.subscriberWasReady) {
      this.subscriberWasReady = true;
      return;
    }
    const channels = [...this.channels.keys()];
    const resubscribed = channels.length > 0 ? this.subscriber.subscribe(...channels) : Promise.resolve();
    resubscribed.then(
      () => {
        for (const followers of this.followers.values()) for (const follower of followers) this.catchUp(follower);
      },
      (error: Error) => this.log(`could not subscribe again to answers: ${reason(error)}`),
    );
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), this.liveTtlMs / 3);
    this.heartbeat.unref();
  }

  /** Refreshes the liveness of every answer this process writes: one script call. */
  private beat(): void {
    if (this.writing.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      return;
    }
    const written = [...this.writing.entries()];
    const keys = written.flatMap(([, { keys, newest }]) => [keys.meta, keys.events, keys.alive, newest]);
    const args = [this.liveTtlMs, this.keepMs, ...written.map(([answerId]) => answerId)];
    this.run(() => heartbeatScript.run(this.commands, keys, args)).catch((error: Error) => {
      this.log(`could not refresh the answers being written: ${reason(error)}`);
    });
  }

  private startPoll(): void {
    if (this.poll) return;
    this.poll = setInterval(() => this.check(), this.pollMs);
    this.poll.unref();
  }

  /** Finds the answers read here that ended or lost their writer unseen, and catches their readers up. */
  private check(): void {
    const answerIds = [...this.followers.keys()];
    if (answerIds.length === 0) {
      clearInterval(this.poll);
      this.poll = undefined;
      return;
    }
    const keys = answerIds.flatMap((answerId) => {
      const { meta, alive } = this.keys(answerId);
      return [meta, alive];
    });
    this.run(() => livenessScript.run(this.commands, keys)).then(
      (states) => {
        answerIds.forEach((answerId, index) => {
          const written = Array.isArray(states) && states[index] === 1;
          for (const follower of this.followers.get(answerId) ?? []) {
            if (!written || follower.behind) this.catchUp(follower);
          }
        });
      },
      (error: Error) => this.log(`could not check the answers being read: ${reason(error)}`),
    );
  }

  private lost(error: Error): void {
    if (this.connectionLost) return;
    this.connectionLost = true;
    this.log(`lost the Redis connection of the answer hub: ${error.message}`);
  }
}
