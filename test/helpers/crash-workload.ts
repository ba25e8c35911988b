/**
 * The crash harness's client side (crash-harness.ts runs it): actors — one per concurrent client, each
 * signed in as one of the site's users and owning its own chats — draw operations from a seeded source
 * and send them over loopback HTTP until the server is killed. Every actor remembers what the server
 * acknowledged: conversations, user messages (their stream's first event arrived), answer ids, and the
 * answers it read to `[DONE]`; the harness checks the database against that after each restart.
 *
 * Operations: new chat, follow-up, variant (regenerate), edit (a new message under an earlier parent),
 * continue, retry (a cut-off `next` sent again, byte for byte), gen_title, delete, read. Turns are
 * foreground or background (`X-Backchat-Background: 1`); some are aborted by the client after a few
 * events or a few milliseconds.
 */
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SeededRandom } from './seeded-random.js';
import type { SiteUser } from './server-process.js';
import { postTurn, requestJson, type Target, type TurnOutcome } from './stream-client.js';
import { userMessage } from './turns.js';

export type OperationKind =
  | 'new'
  | 'follow-up'
  | 'variant'
  | 'edit'
  | 'continue'
  | 'retry'
  | 'gen_title'
  | 'delete'
  | 'read';

/** [kind, weight]: what an actor draws when every kind is possible. */
const operationWeights: ReadonlyArray<readonly [OperationKind, number]> = [
  ['new', 12],
  ['follow-up', 22],
  ['variant', 10],
  ['edit', 9],
  ['continue', 8],
  ['retry', 10],
  ['gen_title', 8],
  ['delete', 4],
  ['read', 9],
];

/** After a foreground answer was cut by its client it is stopped within 1 s; its chat rests this long. */
const settleAfterStopMs = 1_500;

interface KnownMessage {
  id: string;
  /** As the client named it: a new chat's first message hangs under the root id. */
  parentId: string;
  role: 'user' | 'assistant';
  text: string;
}

/** A conversation as its actor knows it. */
export interface Chat {
  id: string;
  rootId: string;
  ownerEmail: string;
  messages: Map<string, KnownMessage>;
  /** The newest answer the client saw, the parent of the next follow-up. */
  leaf: string | undefined;
  deleted: boolean;
  /** A background answer may still run here until the server dies: no new turns until then. */
  busyUntilKill: boolean;
  /** A stopped answer winds down until then (performance.now()). */
  restUntil: number;
}

/** A `next` request that was cut off before `[DONE]`, to be sent again as it was. */
interface CutTurn {
  body: Record<string, unknown>;
  chat: Chat | undefined;
  userMessageId: string;
  rootId: string;
  parentId: string;
  text: string;
}

/** A user message the server acknowledged (the first event of its stream arrived). */
export interface Acknowledged {
  conversationId: string;
  messageId: string;
}

/** An answer the client read to `[DONE]`: it must be stored exactly so. */
export interface Delivered {
  conversationId: string;
  messageId: string;
  status: string;
  text: string;
  what: string;
  /** Set once the harness compared it with the database. */
  checked?: boolean;
}

export interface WorkloadLedger {
  acknowledged: Acknowledged[];
  /** Delivered answers not yet checked against the database. */
  delivered: Delivered[];
  /** Failures that are not explained by the kill: unexpected statuses, cut streams before it… */
  failures: string[];
  /** `<kind>:<outcome>` → count (outcomes: done, aborted, killed, status <n>, error). */
  counts: Map<string, number>;
  /** User message id → what happened to each request that sent it (for failure reports). */
  attempts: Map<string, string[]>;
  /** performance.now() when the workload began: attempt times are relative to it. */
  startedAt: number;
  /** Kills and restarts, with their times, for failure reports. */
  serverEvents: string[];
}

export function newLedger(): WorkloadLedger {
  return {
    acknowledged: [],
    delivered: [],
    failures: [],
    counts: new Map(),
    attempts: new Map(),
    startedAt: performance.now(),
    serverEvents: [],
  };
}

/** The attempts of every user message named in `lines`, as indented lines for a failure report. */
export function attemptsNamedIn(ledger: WorkloadLedger, lines: string[]): string[] {
  const text = lines.join('\n');
  return [...ledger.attempts]
    .filter(([id]) => text.includes(id))
    .flatMap(([id, attempts]) => [`requests that sent ${id}:`, ...attempts.map((line) => `  ${line}`)]);
}

function textOf(outcome: TurnOutcome): string {
  return (outcome.last?.content.parts ?? []).map((part) => (typeof part === 'string' ? part : '')).join('');
}

/** What is happening on the wire right now (the kill is classified by it). */
export interface Traffic {
  /** Turn requests whose stream has not started. */
  waiting: number;
  /** Streams that delivered a first event and are not over. */
  streaming: number;
  /** Other requests in flight. */
  other: number;
}

/** The context of one server life: where to send, and whether the kill has been sent. */
export interface Life {
  target: (user: SiteUser) => Target;
  agent: http.Agent;
  /** Set just before the server is killed: failures after it are the kill's doing. */
  killed: boolean;
  /** Set when actors must stop drawing new operations. */
  stopping: boolean;
  traffic: Traffic;
  /** Called when a turn request has been sent (the harness may aim its kill at the commit). */
  onTurnSent?: () => void;
}

interface TurnSpec {
  kind: OperationKind;
  chat: Chat | undefined;
  body: Record<string, unknown>;
  /** The user message this turn sends (next/retry), acknowledged by its first event. */
  sends?: KnownMessage;
  cut?: CutTurn;
}

export class Actor {
  readonly chats: Chat[] = [];
  private cutTurns: CutTurn[] = [];

  constructor(
    readonly name: string,
    readonly user: SiteUser,
    private readonly random: SeededRandom,
    private readonly ledger: WorkloadLedger,
    private readonly options: { abortShare: number; backgroundShare: number; model: string },
  ) {}

  /** Draws and performs operations until the life is stopping. */
  async run(life: Life): Promise<void> {
    for (let step = 0; step < 10_000 && !life.stopping; step++) {
      await this.step(life);
      // Let the event loop breathe between operations of one actor.
      await sleep(this.random.int(20));
    }
  }

  /**
   * The follow-up check after a restart: one turn in one of this actor's chats (a new chat if it has
   * none), read to `[DONE]`. `userMessageId` is the message it sends; `failure` resolves with what went
   * wrong, or undefined.
   */
  followUpCheck(life: Life): { userMessageId: string; failure: Promise<string | undefined> } {
    const chat = this.pickChat({ forTurn: true });
    const spec = chat ? this.followUp(chat) : this.newChat();
    const failure = this.send(life, spec, { abort: false, background: false }).then((outcome) => {
      if (outcome.status === 200 && outcome.done && outcome.last && outcome.last.status !== 'in_progress') return;
      return `follow-up check (${spec.kind}) after the restart: status ${outcome.status}, done ${outcome.done}, error ${outcome.error}, answer ${outcome.last?.status}: ${outcome.body.slice(0, 300)}`;
    });
    return { userMessageId: spec.sends?.id ?? '', failure };
  }

  /** The server died: background answers died with it, chats are free again. */
  afterKill(): void {
    for (const chat of this.chats) {
      chat.busyUntilKill = false;
      chat.restUntil = 0;
    }
  }

  private count(kind: OperationKind, outcome: string): void {
    const key = `${kind}:${outcome}`;
    this.ledger.counts.set(key, (this.ledger.counts.get(key) ?? 0) + 1);
  }

  private pickChat(filter: { forTurn: boolean }): Chat | undefined {
    const now = performance.now();
    const usable = this.chats.filter(
      (chat) => !chat.deleted && (!filter.forTurn || (!chat.busyUntilKill && chat.restUntil <= now)),
    );
    return usable.length > 0 ? this.random.pick(usable) : undefined;
  }

  private drawKind(): OperationKind {
    const total = operationWeights.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.random.next() * total;
    for (const [kind, weight] of operationWeights) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'read';
  }

  private async step(life: Life): Promise<void> {
    const kind = this.drawKind();
    if (kind === 'gen_title' || kind === 'delete' || kind === 'read') {
      const chat = this.pickChat({ forTurn: false });
      if (chat) return this.plain(life, kind, chat);
    }
    const spec = this.turnSpec(kind);
    await this.send(life, spec, {
      abort: this.random.chance(this.options.abortShare),
      background: this.random.chance(this.options.backgroundShare),
    });
  }

  /** The turn for `kind`, falling back to a new chat when the actor has nothing to do it on. */
  private turnSpec(kind: OperationKind): TurnSpec {
    if (kind === 'retry' && this.cutTurns.length > 0) {
      const cut = this.cutTurns.splice(this.random.int(this.cutTurns.length), 1)[0] as CutTurn;
      if (!cut.chat?.deleted) return this.retry(cut);
    }
    const chat = this.pickChat({ forTurn: true });
    if (!chat || kind === 'new') return this.newChat();
    const users = [...chat.messages.values()].filter((message) => message.role === 'user');
    const answers = [...chat.messages.values()].filter((message) => message.role === 'assistant');
    const user = users.length > 0 ? this.random.pick(users) : undefined;
    if (kind === 'variant' && user) {
      const body = this.body('variant', chat, user.parentId, [userMessage(user.text, user.id)]);
      return { kind, chat, body };
    }
    if (kind === 'edit' && user) return this.next('edit', chat, user.parentId);
    if (kind === 'continue' && answers.length > 0) {
      const answer = this.random.pick(answers);
      return { kind, chat, body: this.body('continue', chat, answer.id, undefined) };
    }
    return this.followUp(chat);
  }

  private body(action: string, chat: Chat | undefined, parentId: string, messages: unknown[] | undefined) {
    return {
      action,
      ...(messages && { messages }),
      ...(chat && { conversation_id: chat.id }),
      parent_message_id: parentId,
      model: this.options.model,
      timezone_offset_min: 0,
      history_and_training_disabled: false,
    };
  }

  private next(kind: OperationKind, chat: Chat | undefined, parentId: string): TurnSpec {
    const id = this.random.uuid();
    const text = `${this.name} ${kind} ${id.slice(0, 8)}: tell me about step ${this.random.int(1000)}`;
    const body = this.body('next', chat, parentId, [userMessage(text, id)]);
    const sends: KnownMessage = { id, parentId, role: 'user', text };
    const cut: CutTurn = { body, chat, userMessageId: id, rootId: chat?.rootId ?? parentId, parentId, text };
    return { kind, chat, body, sends, cut };
  }

  private newChat(): TurnSpec {
    return this.next('new', undefined, this.random.uuid());
  }

  private followUp(chat: Chat): TurnSpec {
    const parent = chat.leaf ?? [...chat.messages.values()].at(-1)?.id ?? chat.rootId;
    return this.next('follow-up', chat, parent);
  }

  private retry(cut: CutTurn): TurnSpec {
    const sends: KnownMessage = { id: cut.userMessageId, parentId: cut.parentId, role: 'user', text: cut.text };
    return { kind: 'retry', chat: cut.chat, body: cut.body, sends, cut };
  }

  /** The chat a turn's events belong to (a new chat is registered at its first event). */
  private chatFor(spec: TurnSpec, conversationId: string): Chat {
    const known = spec.chat ?? this.chats.find((chat) => chat.id === conversationId);
    if (known) return known;
    const rootId = spec.cut?.rootId ?? String(spec.body.parent_message_id);
    const chat: Chat = {
      id: conversationId,
      rootId,
      ownerEmail: this.user.email,
      messages: new Map(),
      leaf: undefined,
      deleted: false,
      busyUntilKill: false,
      restUntil: 0,
    };
    this.chats.push(chat);
    return chat;
  }

  private onFirstEvent(spec: TurnSpec, chat: Chat): void {
    if (!spec.sends) return;
    chat.messages.set(spec.sends.id, spec.sends);
    this.ledger.acknowledged.push({ conversationId: chat.id, messageId: spec.sends.id });
  }

  private learnAnswer(chat: Chat, outcome: TurnOutcome): void {
    const answer = outcome.last;
    if (answer?.author.role !== 'assistant') return;
    const parentId = String(answer.metadata.parent_id ?? '');
    chat.messages.set(answer.id, { id: answer.id, parentId, role: 'assistant', text: '' });
    chat.leaf = answer.id;
  }

  private async send(life: Life, spec: TurnSpec, how: { abort: boolean; background: boolean }): Promise<TurnOutcome> {
    const stop = new AbortController();
    const abortAfterEvents = how.abort && this.random.chance(0.6) ? this.random.between(1, 12) : undefined;
    const abortAfterMs = how.abort && abortAfterEvents === undefined ? this.random.between(0, 300) : undefined;
    const timer = abortAfterMs === undefined ? undefined : setTimeout(() => stop.abort(), abortAfterMs);
    let chat: Chat | undefined;
    life.traffic.waiting++;
    let streaming = false;
    const sent = postTurn(life.target(this.user), spec.body, {
      background: how.background,
      signal: stop.signal,
      timeoutMs: 60_000,
      onPayload: (payload, index) => {
        if (index === 0 && typeof payload.conversation_id === 'string') {
          life.traffic.waiting--;
          life.traffic.streaming++;
          streaming = true;
          chat = this.chatFor(spec, payload.conversation_id);
          this.onFirstEvent(spec, chat);
        }
        if (abortAfterEvents !== undefined && index + 1 >= abortAfterEvents) stop.abort();
      },
    }).finally(() => clearTimeout(timer));
    life.onTurnSent?.();
    const sentAt = performance.now();
    const outcome = await sent;
    if (streaming) life.traffic.streaming--;
    else life.traffic.waiting--;
    if (spec.sends) this.recordAttempt(spec, outcome, sentAt, { abortAfterEvents, abortAfterMs, ...how });
    if (chat) this.learnAnswer(chat, outcome);
    this.judgeTurn(life, spec, outcome, chat, how.background);
    return outcome;
  }

  private recordAttempt(
    spec: TurnSpec,
    outcome: TurnOutcome,
    sentAt: number,
    how: { abortAfterEvents?: number; abortAfterMs?: number; background: boolean },
  ): void {
    const at = (time: number | undefined) =>
      time === undefined ? '-' : `${Math.round(time - this.ledger.startedAt)} ms`;
    const plan = how.abortAfterEvents
      ? `abort after ${how.abortAfterEvents} events`
      : how.abortAfterMs !== undefined
        ? `abort after ${how.abortAfterMs} ms`
        : 'read to the end';
    const result = outcome.aborted
      ? 'aborted by the client'
      : outcome.done
        ? `[DONE], answer ${outcome.last?.id} ${outcome.last?.status}`
        : `status ${outcome.status}, error ${outcome.error}`;
    const line = `${this.name} ${spec.kind}${how.background ? ' (background)' : ''}, ${plan}: sent at ${at(sentAt)}, first event at ${at(outcome.firstPayloadAt)}, ended at ${at(performance.now())}: ${result}, conversation ${outcome.conversationId}`;
    const id = spec.sends?.id ?? '';
    this.ledger.attempts.set(id, [...(this.ledger.attempts.get(id) ?? []), line]);
  }

  private judgeTurn(life: Life, spec: TurnSpec, outcome: TurnOutcome, chat: Chat | undefined, background: boolean) {
    const where = `${this.name} ${spec.kind} ${JSON.stringify(spec.body)}`;
    if (outcome.aborted) {
      this.count(spec.kind, 'aborted');
      if (chat && background) chat.busyUntilKill = true;
      else if (chat) chat.restUntil = performance.now() + settleAfterStopMs;
      if (spec.cut && !outcome.done) this.cutTurns.push({ ...spec.cut, chat: spec.cut.chat ?? chat });
      return;
    }
    if (outcome.status === 200 && outcome.done) {
      this.count(spec.kind, 'done');
      const answer = outcome.last;
      if (!answer || !outcome.conversationId || answer.status === 'in_progress') {
        this.ledger.failures.push(`${where}: [DONE] after no final answer (last ${answer?.status})`);
        return;
      }
      this.ledger.delivered.push({
        conversationId: outcome.conversationId,
        messageId: answer.id,
        status: answer.status,
        text: textOf(outcome),
        what: where,
      });
      return;
    }
    if (life.killed && (outcome.error !== undefined || outcome.status === undefined)) {
      this.count(spec.kind, 'killed');
      if (spec.cut) this.cutTurns.push({ ...spec.cut, chat: spec.cut.chat ?? chat });
      return;
    }
    this.count(spec.kind, outcome.status === 200 ? 'error' : `status ${outcome.status}`);
    this.ledger.failures.push(
      `${where}: status ${outcome.status}, done ${outcome.done}, error ${outcome.error}: ${outcome.body.slice(0, 300)}`,
    );
  }

  private async plain(life: Life, kind: OperationKind, chat: Chat): Promise<void> {
    const target = life.target(this.user);
    const answers = [...chat.messages.values()].filter((message) => message.role === 'assistant');
    life.traffic.other++;
    let result: Awaited<ReturnType<typeof requestJson>>;
    try {
      if (kind === 'gen_title') {
        const messageId = answers.length > 0 ? this.random.pick(answers).id : undefined;
        result = await requestJson(target, 'POST', `/backend-api/conversation/gen_title/${chat.id}`, {
          ...(messageId && { message_id: messageId }),
        });
      } else if (kind === 'delete') {
        result = await requestJson(target, 'DELETE', `/backend-api/conversation/${chat.id}`);
        // A delete cut by the kill may or may not have been committed: the chat is not used again.
        if (result.status === 200 || result.status === undefined) {
          chat.deleted = true;
          this.cutTurns = this.cutTurns.filter((cut) => cut.chat !== chat);
        }
      } else {
        result = await requestJson(target, 'GET', `/backend-api/conversation/${chat.id}`);
        if (result.status === 200) this.checkRead(chat, result.json);
      }
    } finally {
      life.traffic.other--;
    }
    if (result.status === 200) return this.count(kind, 'done');
    if (life.killed && result.status === undefined) return this.count(kind, 'killed');
    this.count(kind, `status ${result.status}`);
    this.ledger.failures.push(
      `${this.name} ${kind} ${chat.id}: status ${result.status}, error ${result.error}: ${JSON.stringify(result.json).slice(0, 300)}`,
    );
  }

  /** GET of a conversation: every message the client knows of is in its mapping. */
  private checkRead(chat: Chat, json: unknown): void {
    const mapping = (json as { mapping?: Record<string, unknown> }).mapping ?? {};
    const missing = [...chat.messages.keys()].filter((id) => !(id in mapping));
    if (missing.length > 0) {
      this.ledger.failures.push(`${this.name} read ${chat.id}: acknowledged messages missing: ${missing.join(', ')}`);
    }
  }
}
