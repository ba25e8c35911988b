/** The built-in demo ModelProvider: no network, deterministic replies streamed at a realistic pace. */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { ChatRequest, FinishReason, ModelInfo, ModelProvider, StreamPart } from '../model-provider.js';
import { demoModel } from './demo-model.js';
import { composeDemoReply, continueDemoReply } from './demo-reply.js';
import { demoTitle } from './demo-title.js';
import { countPromptTokens, countTokens, limitToTokens } from './token-budget.js';
import { splitIntoWordTokens } from './word-tokens.js';

/** ≈ 30 tokens per second, the pace of a typical hosted model. */
export const defaultDemoTokenDelayMs = 33;
/** With no delay, give the event loop a turn every this many tokens so aborts and other streams run. */
const tokensPerTurn = 32;

export interface DemoProviderOptions {
  /** Provider id (default `demo`). */
  id?: string;
  /** Milliseconds before each streamed token; 0 streams as fast as the consumer reads. */
  tokenDelayMs?: number;
}

/** The text the demo model streams for `request`, already cut to `request.maxOutputTokens`. */
export function planDemoReply(request: ChatRequest): { text: string; truncated: boolean } {
  const { messages } = request;
  let text: string;
  if (request.purpose === 'title') text = demoTitle(messages);
  else if (messages.at(-1)?.role === 'assistant') text = continueDemoReply(messages);
  else text = composeDemoReply(messages);
  return limitToTokens(text, request.maxOutputTokens);
}

/** backchat's demo model: see `demoModel` and `planDemoReply`. */
export class DemoProvider implements ModelProvider {
  readonly id: string;
  private readonly tokenDelayMs: number;

  constructor(options: DemoProviderOptions = {}) {
    this.id = options.id ?? 'demo';
    this.tokenDelayMs = options.tokenDelayMs ?? defaultDemoTokenDelayMs;
  }

  async listModels(): Promise<ModelInfo[]> {
    return [demoModel];
  }

  async *streamChat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamPart> {
    const plan = planDemoReply(request);
    let sent = '';
    let count = 0;
    for (const token of splitIntoWordTokens(plan.text)) {
      if (!(await this.pace(count++, signal))) {
        yield this.finish('aborted', request, sent);
        return;
      }
      sent += token;
      yield { type: 'text-delta', text: token };
    }
    yield this.finish(plan.truncated ? 'max_tokens' : 'stop', request, sent);
  }

  /** Waits before token number `index`; false when the request was aborted. */
  private async pace(index: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    if (this.tokenDelayMs === 0) {
      if (index % tokensPerTurn === tokensPerTurn - 1) await nextTurn();
      return !signal.aborted;
    }
    try {
      await sleep(this.tokenDelayMs, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  private finish(reason: FinishReason, request: ChatRequest, sent: string): StreamPart {
    const usage = { promptTokens: countPromptTokens(request.messages), completionTokens: countTokens(sent) };
    return { type: 'finish', reason, usage };
  }
}
