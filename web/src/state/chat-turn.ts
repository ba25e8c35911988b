/**
 * One answer followed end to end and mirrored into a ThreadStore. Either a turn this page sends
 * (account check → `POST /backend-api/conversation` → history refresh → latency report, as in
 * docs/web-ui.md) or an answer already being written that the page attaches to when it opens the
 * conversation (`GET …/conversation/{id}/stream`). Streamed text is applied at most once per
 * animation frame; errors before any answer are shown with the server's detail.
 *
 * In background mode (Settings → "Keep generating when I leave") the answer lives on the server:
 * Stop asks the server to stop it (for every page showing it) and the stream then brings the final
 * "interrupted" message; a stream that drops is picked up again after the last event id seen, and
 * when the server says nothing is being written any more the stored answer is shown. Otherwise a
 * stop or a lost connection ends the request, and the partial answer is kept.
 */

import { backgroundHeaders, openAnswerStream, stopAnswer } from '../api/answer-jobs.js';
import { finishType, readAnswerStream, type StreamItem, streamedText, streamHeaders } from '../api/answer-stream.js';
import { ApiError, describeError, isAbortError, NetworkError } from '../api/api-error.js';
import { checkAccount, getConversationWindow, reportLatency } from '../api/backend-api.js';
import { request } from '../api/http-client.js';
import { type TurnRequestInput, turnRequestBody } from '../api/turn-request.js';
import { FrameThrottle } from '../lib/frame-throttle.js';
import { randomHex } from '../lib/ids.js';
import { LatencyRecorder } from '../lib/latency-recorder.js';
import { pause, reattachDelay } from '../lib/reattach-backoff.js';
import type { ThreadStore } from './thread-store.js';
import { type ThreadNode, toThreadMessage } from './thread-tree.js';

/** A turn this page sends. */
export interface ChatTurnPlan {
  store: ThreadStore;
  request: TurnRequestInput;
  /** The user node to show before sending (`next`); null for `variant` and `continue`. */
  userNode: ThreadNode | null;
  /** Where the answer hangs: the user message, or the cut-off answer for `continue`. */
  answerParent: string;
  /** What "Retry" does when the turn fails before any answer arrived. */
  retry: () => void;
  /** The answer keeps being written when the page goes away; Stop goes through the server. */
  background: boolean;
}

/** An answer the server is writing already (sent by another page, or by this one before a reload). */
export interface AttachPlan {
  store: ThreadStore;
  conversationId: string;
  /** The assistant message being written (the conversation's current node). */
  answerId: string;
  /** Ask for a title once it is done (the first answer of a conversation that has none yet). */
  wantsTitle: boolean;
}

export interface ChatTurnHooks {
  /** The first event told us the conversation id (called for every sent turn). */
  conversationKnown(store: ThreadStore, conversationId: string, isNew: boolean): void;
  /** The answer finished: the id of the final assistant message; `wantsTitle` for a new conversation. */
  answered(store: ThreadStore, conversationId: string, messageId: string, wantsTitle: boolean): Promise<void>;
}

type Source = { kind: 'send'; plan: ChatTurnPlan } | { kind: 'attach'; plan: AttachPlan };

/** The state of the answer being followed. */
interface Following {
  answerId: string;
  conversationId: string | null;
  /** The answer exists on the server and has its id (a sent turn: from its first message event). */
  started: boolean;
  text: string;
  finished: boolean;
  /** An error event ended the answer on the server: there is nothing to pick up again. */
  failed: boolean;
  /** The `id:` of the newest event, sent as `Last-Event-ID` when picking the stream up again. */
  lastEventId: string | null;
}

const lostConnection = 'The connection was lost before the answer finished.';
const endedEarly = 'The answer ended unexpectedly.';
/** After Stop, how long the server has to send the final message before the page stops reading. */
const stopGraceMs = 5_000;

export class ChatTurn {
  private readonly throttle = new FrameThrottle();
  private readonly latency = new LatencyRecorder();
  private readonly abort = new AbortController();
  private readonly state: Following;
  private readonly store: ThreadStore;
  private readonly background: boolean;
  private stopRequested = false;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  /** Attempts in a row to pick the stream up that brought no event, and attempts in all. */
  private fruitless = 0;
  private reattaches = 0;

  private constructor(
    private readonly source: Source,
    private readonly hooks: ChatTurnHooks,
  ) {
    this.store = source.plan.store;
    if (source.kind === 'send') {
      const answerId = `pending-${randomHex(12)}`;
      this.state = { ...emptyFollowing(answerId), conversationId: null };
      this.background = source.plan.background;
    } else {
      // The answer exists on the server already: Stop and picking the stream up work from the start.
      const attached = { ...emptyFollowing(source.plan.answerId), started: true };
      this.state = { ...attached, conversationId: source.plan.conversationId };
      this.background = true;
    }
  }

  /** A turn to send. */
  static send(plan: ChatTurnPlan, hooks: ChatTurnHooks): ChatTurn {
    return new ChatTurn({ kind: 'send', plan }, hooks);
  }

  /** Following an answer the server is already writing. */
  static attach(plan: AttachPlan, hooks: ChatTurnHooks): ChatTurn {
    return new ChatTurn({ kind: 'attach', plan }, hooks);
  }

  /** Follows the answer; resolves when it has ended (the follow-up requests are `afterAnswer`). */
  async run(): Promise<void> {
    this.store.updateMeta({ busy: true, threadError: null });
    try {
      const response = this.source.kind === 'send' ? await this.sendTurn(this.source.plan) : await this.reattach();
      if (response) await this.relay(response);
      if (this.source.kind === 'send' && this.state.finished && !this.wasStopped()) this.sendLatency(response);
    } catch (error) {
      this.fail(error);
    } finally {
      this.throttle.flush();
      if (this.stopTimer !== null) clearTimeout(this.stopTimer);
      this.store.updateMeta({ busy: false });
    }
  }

  /**
   * Stop: in background mode the server is asked to stop the answer (as soon as it is known) and the
   * stream brings its final message; otherwise the request is aborted.
   */
  stop(): void {
    if (!this.background) {
      this.abort.abort();
      return;
    }
    if (this.stopRequested) return;
    this.stopRequested = true;
    // Whatever happens to the request below, the page does not wait for ever.
    this.stopTimer = setTimeout(() => this.abort.abort(), stopGraceMs);
    if (this.state.started) void this.askServerToStop();
  }

  private async askServerToStop(): Promise<void> {
    const conversationId = this.state.conversationId;
    if (conversationId === null) return;
    try {
      await stopAnswer(conversationId);
    } catch {
      // The server could not be told: at least this page stops reading.
      this.abort.abort();
    }
  }

  private async sendTurn(plan: ChatTurnPlan): Promise<Response> {
    this.showPlaceholders(plan);
    await this.preflight();
    if (this.stopRequested) this.abort.abort();
    this.latency.requestStarted();
    return request('/backend-api/conversation', {
      json: turnRequestBody(plan.request),
      signal: this.abort.signal,
      headers: { ...streamHeaders, ...(plan.background && backgroundHeaders) },
    });
  }

  private showPlaceholders(plan: ChatTurnPlan): void {
    const answer: ThreadNode = {
      id: this.state.answerId,
      parentId: plan.answerParent,
      children: [],
      message: {
        id: this.state.answerId,
        role: 'assistant',
        text: '',
        status: 'streaming',
        finishType: null,
        modelSlug: plan.request.model,
        errorText: null,
      },
    };
    this.store.addNodes(plan.userNode ? [plan.userNode, answer] : [answer]);
  }

  /** The account check made before sending; only a sign-out (401) stops the turn. */
  private async preflight(): Promise<void> {
    try {
      await checkAccount();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;
    }
  }

  /** Reads `response`, and in background mode every stream that picks it up after a drop, until the end. */
  private async relay(response: Response): Promise<void> {
    for (let current: Response | null = response; current !== null; current = await this.reattach()) {
      const dropped = await this.read(current);
      this.throttle.flush();
      if (this.state.finished || this.state.failed) return;
      if (!this.canReattach()) {
        if (dropped) throw new NetworkError(lostConnection);
        this.markAnswer('failed', null, endedEarly);
        return;
      }
    }
  }

  /** True when the stream broke (rather than ended). */
  private async read(response: Response): Promise<boolean> {
    if (!response.body) return true;
    try {
      for await (const item of readAnswerStream(response.body)) this.apply(item);
      return false;
    } catch (error) {
      if (isAbortError(error)) throw error;
      return true;
    }
  }

  private canReattach(): boolean {
    return this.background && this.state.started;
  }

  /**
   * Opens the answer's stream after the last event seen, waiting a little longer after each attempt
   * that brought nothing. Null when nothing is being written any more: the stored answer is shown.
   */
  private async reattach(): Promise<Response | null> {
    const conversationId = this.state.conversationId;
    if (conversationId === null) throw new NetworkError(lostConnection);
    for (;;) {
      const delay = reattachDelay(this.fruitless, this.reattaches);
      if (delay === null) throw new NetworkError(lostConnection);
      this.fruitless += 1;
      this.reattaches += 1;
      await pause(delay, this.abort.signal);
      try {
        const response = await openAnswerStream(conversationId, this.state.lastEventId, this.abort.signal);
        if (response) return response;
        await this.showStoredAnswer(conversationId);
        return null;
      } catch (error) {
        if (!isTransient(error)) throw error;
      }
    }
  }

  /** Nothing is being written any more: show the answer as the server stored it. */
  private async showStoredAnswer(conversationId: string): Promise<void> {
    // The branch through the answer (it is a leaf): the answer without the rest of a long conversation.
    const conversation = await getConversationWindow(
      conversationId,
      { anchor: this.state.answerId },
      this.abort.signal,
    );
    const stored = conversation.mapping[this.state.answerId]?.message;
    const message = stored ? toThreadMessage(stored) : null;
    this.throttle.flush();
    if (!message) {
      this.markAnswer('failed', null, lostConnection);
      return;
    }
    this.state.text = message.text;
    this.state.finished = true;
    const { text, status, finishType } = message;
    this.store.updateMessage(this.state.answerId, { text, status, finishType, errorText: null });
  }

  private apply({ id, event }: StreamItem): void {
    if (id !== null) this.state.lastEventId = id;
    this.fruitless = 0;
    if (event.type === 'message') {
      this.onMessage(event.message, event.conversationId);
    } else if (event.type === 'error') {
      this.throttle.flush();
      this.state.failed = true;
      this.markAnswer('failed', 'interrupted', event.error);
    }
  }

  private onMessage(message: Parameters<typeof streamedText>[0], conversationId: string): void {
    if (!this.state.started) this.onFirstMessage(message.id, conversationId);
    const text = streamedText(message);
    if (text !== this.state.text) {
      this.state.text = text;
      this.latency.chunkArrived();
      this.throttle.schedule(() => this.store.updateMessage(message.id, { text }));
    }
    if (message.status !== 'in_progress') {
      this.throttle.flush();
      this.state.finished = true;
      const finish = finishType(message);
      const status = finish === 'interrupted' ? 'stopped' : 'complete';
      this.store.updateMessage(message.id, { text, status, finishType: finish, errorText: null });
    }
  }

  private onFirstMessage(messageId: string, conversationId: string): void {
    this.state.started = true;
    this.state.conversationId = conversationId;
    if (this.state.answerId !== messageId) this.store.renameLeaf(this.state.answerId, messageId);
    this.state.answerId = messageId;
    this.hooks.conversationKnown(this.store, conversationId, this.isNew());
    if (this.stopRequested) void this.askServerToStop();
  }

  /** The answer ended as `interrupted` (stopped here or on another page): no latency report, as before. */
  private wasStopped(): boolean {
    return this.store.getTree().nodes.get(this.state.answerId)?.message?.status === 'stopped';
  }

  private isNew(): boolean {
    return this.source.kind === 'send' && this.source.plan.request.conversationId === null;
  }

  private markAnswer(status: 'failed' | 'stopped', finish: string | null, errorText: string | null): void {
    this.state.finished = status === 'stopped' || this.state.finished;
    this.store.updateMessage(this.state.answerId, { status, finishType: finish, errorText });
  }

  private fail(error: unknown): void {
    this.throttle.flush();
    if (isAbortError(error)) {
      if (this.state.started) this.markAnswer('stopped', 'interrupted', null);
      else this.store.removeLeaf(this.state.answerId);
      return;
    }
    if (this.state.started) {
      this.markAnswer('failed', 'interrupted', describeError(error));
      return;
    }
    this.store.removeLeaf(this.state.answerId);
    this.store.updateMeta({ threadError: { text: describeError(error), retry: this.retryFor(error) } });
  }

  private retryFor(error: unknown): (() => void) | null {
    if (this.source.kind !== 'send') return null;
    if (error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 413))
      return null;
    return this.source.plan.retry;
  }

  private sendLatency(response: Response | null): void {
    if (this.source.kind !== 'send') return;
    const requestId = response?.headers.get('x-request-id') ?? null;
    const report = this.latency.report(this.source.plan.request.model, requestId, this.state.text);
    reportLatency(report).catch(() => {});
  }

  /** After a finished answer: the follow-ups (title for a new conversation). */
  async afterAnswer(): Promise<void> {
    const { conversationId, answerId, finished } = this.state;
    if (conversationId === null || !finished) return;
    const wantsTitle = this.source.kind === 'send' ? this.isNew() : this.source.plan.wantsTitle;
    await this.hooks.answered(this.store, conversationId, answerId, wantsTitle);
  }
}

function emptyFollowing(answerId: string): Omit<Following, 'conversationId'> {
  return { answerId, started: false, text: '', finished: false, failed: false, lastEventId: null };
}

/** A failure worth another attempt: the network, or the server busy or restarting. */
function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && (error.status === 429 || error.status >= 500);
}
