/**
 * ModelProvider for any OpenAI-compatible `/v1/chat/completions` upstream (OpenAI, Ollama's /v1,
 * vLLM, llama.cpp server) through the official `openai` SDK. Failures become `error` parts.
 */
import OpenAI from 'openai';
import type { ModelConfig } from '../../config.js';
import type { ChatRequest, ModelInfo, ModelProvider, StreamPart } from '../model-provider.js';
import { completionParams } from './completion-params.js';
import { displayUrl } from './display-url.js';
import { IdleWatch } from './idle-watch.js';
import { isChatModelId, modelFromConfig } from './model-catalog.js';
import { ReplyState } from './reply-state.js';
import { describeUpstreamError, type UpstreamContext } from './upstream-error.js';

/** Milliseconds to wait for response headers; local servers may first have to load the model. */
export const defaultTimeoutMs = 120_000;
/** Milliseconds of silence allowed between chunks once a reply is streaming. */
export const defaultIdleTimeoutMs = 60_000;

/** The openai-compatible ProviderConfig (its `type` may be omitted) plus test and tuning knobs. */
export interface OpenAICompatibleProviderOptions {
  id: string;
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Models to offer; when absent, `listModels` asks the upstream's `GET /models`. */
  models?: ModelConfig[];
  /** Milliseconds to wait for the response headers (default 120 000). */
  timeoutMs?: number;
  /** Milliseconds of silence between stream chunks before giving up (default 60 000). */
  idleTimeoutMs?: number;
}

function createClient(options: OpenAICompatibleProviderOptions, timeout: number): OpenAI {
  return new OpenAI({
    baseURL: options.baseUrl,
    // The SDK insists on a key; keyless servers (Ollama, llama.cpp) get none on the wire (header nulled below).
    apiKey: options.apiKey || 'unused',
    defaultHeaders: options.apiKey ? {} : { Authorization: null },
    // Set explicitly so the SDK never picks these up from the environment.
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout,
    logLevel: 'off',
  });
}

/** One OpenAI-compatible upstream. */
export class OpenAICompatibleProvider implements ModelProvider {
  readonly id: string;
  /** The base URL without credentials or query, for messages and the start-up banner. */
  readonly url: string;
  private readonly client: OpenAI;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: OpenAICompatibleProviderOptions) {
    this.id = options.id;
    this.url = displayUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
    this.client = createClient(options, this.timeoutMs);
  }

  /** Configured models, else the upstream's chat models. Rejects with a clear, key-free message. */
  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    if (this.options.models) return this.options.models.map((model) => modelFromConfig(model, this.url));
    try {
      const ids: string[] = [];
      for await (const model of this.client.models.list({ signal })) ids.push(model.id);
      return ids.filter(isChatModelId).map((id) => modelFromConfig({ id }, this.url));
    } catch (error) {
      if (signal?.aborted) throw new Error(`upstream ${this.url} did not list its models in time`);
      throw new Error(describeUpstreamError(error, this.context()).message);
    }
  }

  async *streamChat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamPart> {
    const idle = new IdleWatch(this.idleTimeoutMs);
    const state = new ReplyState();
    let failure: unknown;
    try {
      const params = completionParams(request, this.options.baseUrl);
      const stream = await this.client.chat.completions.create(params, {
        signal: AbortSignal.any([signal, idle.signal]),
      });
      idle.arm();
      for await (const chunk of stream) {
        idle.arm();
        const text = state.take(chunk);
        if (text) yield { type: 'text-delta', text };
      }
    } catch (error) {
      failure = error;
    } finally {
      idle.stop();
    }
    yield this.ending(state, signal, idle, failure, request);
  }

  /** The one terminal part, in order of precedence: aborted, stalled, finished, failed, cut short. */
  private ending(
    state: ReplyState,
    signal: AbortSignal,
    idle: IdleWatch,
    failure: unknown,
    request: ChatRequest,
  ): StreamPart {
    if (signal.aborted) return { type: 'finish', reason: 'aborted', usage: state.usage };
    if (idle.fired) {
      const seconds = this.idleTimeoutMs / 1000;
      const message = `upstream ${this.url} sent nothing for ${seconds} s in the middle of the reply — the model server may be overloaded or stuck; try again`;
      return { type: 'error', message };
    }
    // A finish_reason means the text is complete, even if the connection then broke before [DONE].
    if (state.finish === 'content_filter') {
      return { type: 'error', message: `upstream ${this.url} stopped the reply: its content filter flagged it` };
    }
    if (state.finish) return { type: 'finish', reason: state.finish, usage: state.usage };
    if (failure !== undefined) return { type: 'error', ...describeUpstreamError(failure, this.context(request)) };
    const message = `upstream ${this.url} ended the reply stream without a finish_reason (after ${state.chars} characters) — the connection was cut short, or the base URL is not an OpenAI-compatible /v1 endpoint; try again`;
    return { type: 'error', message };
  }

  private context(request?: ChatRequest): UpstreamContext {
    return {
      url: this.url,
      model: request?.model.upstreamModel,
      apiKey: this.options.apiKey,
      timeoutMs: this.timeoutMs,
    };
  }
}
