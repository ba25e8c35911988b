/**
 * Runs one turn against `POST /backend-api/conversation` and mirrors it into a ThreadStore:
 * the seed's sequence (account check → conversation stream → history refresh → latency report),
 * streamed text applied at most once per animation frame, stop / network loss keeping the partial
 * answer, and errors before the stream shown with the server's detail.
 */
import { ApiError, describeError, isAbortError, NetworkError } from '../api/api-error.js';
import { checkAccount, reportLatency } from '../api/backend-api.js';
import { finishType, messageText, readConversationStream, type StreamEvent } from '../api/conversation-stream.js';
import { request } from '../api/http-client.js';
import { type TurnRequestInput, turnRequestBody } from '../api/turn-request.js';
import { FrameThrottle } from '../lib/frame-throttle.js';
import { randomHex } from '../lib/ids.js';
import { LatencyRecorder } from '../lib/latency-recorder.js';
import type { ChatNode } from './message-tree.js';
import type { ThreadStore } from './thread-store.js';

export interface TurnPlan {
  store: ThreadStore;
  request: TurnRequestInput;
  /** The user node to show before sending (`next`); null for `variant` and `continue`. */
  userNode: ChatNode | null;
  /** Where the answer hangs: the user message, or the cut-off answer for `continue`. */
  answerParent: string;
  /** What "Retry" does when the turn fails before any answer arrived. */
  retry: () => void;
}

export interface TurnHooks {
  /** The first event told us the conversation id (called for every turn). */
  conversationKnown(store: ThreadStore, conversationId: string, isNew: boolean): void;
  /** The answer finished: the id of the final assistant message. */
  answered(store: ThreadStore, conversationId: string, messageId: string, isNew: boolean): Promise<void>;
}

/** The state of one running stream. */
interface Streaming {
  answerId: string;
  conversationId: string | null;
  text: string;
  finished: boolean;
}

const lostConnection = 'The connection was lost before the answer finished.';
const endedEarly = 'The answer ended unexpectedly.';

export class TurnRunner {
  private readonly throttle = new FrameThrottle();
  private readonly latency = new LatencyRecorder();
  private readonly state: Streaming;
  private readonly isNew: boolean;

  constructor(
    private readonly plan: TurnPlan,
    private readonly hooks: TurnHooks,
    private readonly abort: AbortController,
  ) {
    this.state = { answerId: `pending-${randomHex(12)}`, conversationId: null, text: '', finished: false };
    this.isNew = plan.request.conversationId === null;
  }

  /** Streams the turn; resolves when the answer has ended (the follow-up requests are `afterAnswer`). */
  async run(): Promise<void> {
    const { store } = this.plan;
    store.updateMeta({ busy: true, threadError: null });
    this.showPlaceholders();
    try {
      await this.preflight();
      const response = await this.post();
      await this.relay(response);
    } catch (error) {
      this.fail(error);
    } finally {
      this.throttle.flush();
      store.updateMeta({ busy: false });
    }
  }

  private showPlaceholders(): void {
    const { store, userNode, answerParent } = this.plan;
    if (userNode) store.addNode(userNode);
    store.addNode({
      id: this.state.answerId,
      parentId: answerParent,
      children: [],
      message: {
        id: this.state.answerId,
        role: 'assistant',
        text: '',
        status: 'streaming',
        finishType: null,
        modelSlug: this.plan.request.model,
        errorText: null,
      },
    });
  }

  /** The seed's account check before sending; only a sign-out (401) stops the turn. */
  private async preflight(): Promise<void> {
    try {
      await checkAccount();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;
    }
  }

  private async post(): Promise<Response> {
    this.latency.requestStarted();
    return request('/backend-api/conversation', {
      json: turnRequestBody(this.plan.request),
      signal: this.abort.signal,
      headers: { accept: 'text/event-stream' },
    });
  }

  private async relay(response: Response): Promise<void> {
    const requestId = response.headers.get('x-request-id');
    if (!response.body) throw new NetworkError(endedEarly);
    try {
      for await (const event of readConversationStream(response.body)) this.apply(event);
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new NetworkError(lostConnection);
    }
    this.throttle.flush();
    if (!this.state.finished) this.markAnswer('failed', null, this.answerError() ?? endedEarly);
    else this.sendLatency(requestId);
  }

  private apply(event: StreamEvent): void {
    if (event.type === 'message') {
      this.onMessage(event.message, event.conversationId);
    } else if (event.type === 'error') {
      this.throttle.flush();
      this.markAnswer('failed', 'interrupted', event.error);
    }
  }

  private onMessage(message: Parameters<typeof messageText>[0], conversationId: string): void {
    const { store } = this.plan;
    if (this.state.conversationId === null) {
      this.state.conversationId = conversationId;
      if (this.state.answerId !== message.id) store.renameLeaf(this.state.answerId, message.id);
      this.state.answerId = message.id;
      this.hooks.conversationKnown(store, conversationId, this.isNew);
    }
    const text = messageText(message);
    if (text !== this.state.text) {
      this.state.text = text;
      this.latency.chunkArrived();
      this.throttle.schedule(() => store.updateMessage(message.id, { text }));
    }
    if (message.status !== 'in_progress') {
      this.throttle.flush();
      this.state.finished = true;
      const finish = finishType(message);
      const status = finish === 'interrupted' ? 'stopped' : 'complete';
      store.updateMessage(message.id, { text, status, finishType: finish });
    }
  }

  private answerError(): string | null {
    const key = this.plan.store.getTree().nodes.get(this.state.answerId)?.message?.errorText;
    return key ?? null;
  }

  private markAnswer(status: 'failed' | 'stopped', finish: string | null, errorText: string | null): void {
    this.state.finished = status === 'stopped' || this.state.finished;
    this.plan.store.updateMessage(this.state.answerId, { status, finishType: finish, errorText });
  }

  private hasAnswer(): boolean {
    return this.state.conversationId !== null;
  }

  private fail(error: unknown): void {
    const { store } = this.plan;
    this.throttle.flush();
    if (isAbortError(error)) {
      if (this.hasAnswer()) this.markAnswer('stopped', 'interrupted', null);
      else store.removeLeaf(this.state.answerId);
      return;
    }
    if (this.hasAnswer()) {
      this.markAnswer('failed', 'interrupted', describeError(error));
      return;
    }
    store.removeLeaf(this.state.answerId);
    store.updateMeta({ threadError: { text: describeError(error), retry: this.retryFor(error) } });
  }

  private retryFor(error: unknown): (() => void) | null {
    if (error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 413))
      return null;
    return this.plan.retry;
  }

  private sendLatency(requestId: string | null): void {
    const report = this.latency.report(this.plan.request.model, requestId, this.state.text);
    reportLatency(report).catch(() => {});
  }

  /** After a finished answer: the seed's follow-ups (history refresh, title for a new conversation). */
  async afterAnswer(): Promise<void> {
    const { conversationId, answerId, finished } = this.state;
    if (conversationId === null || !finished) return;
    await this.hooks.answered(this.plan.store, conversationId, answerId, this.isNew);
  }
}
