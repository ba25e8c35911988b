/**
 * ModelProvider for any OpenAI-compatible `/v1/chat/completions` upstream (OpenAI, Ollama's /v1,
 * vLLM, llama.cpp server), over plain node:http(s) and our own event-stream parser
 * (docs/decisions/2026-12-02-plain-upstream-client.md). Failures become `error` parts.
 */
import type { ModelConfig } from '../../config.js';
import type { ChatRequest, ModelInfo, ModelProvider, StreamPart } from '../model-provider.js';
import { isDoneEvent, MalformedChunkError, parseChunk, StreamErrorEvent } from './completion-chunk.js';
import { completionParams } from './completion-params.js';
import { displayUrl } from './display-url.js';
import { IdleWatch } from './idle-watch.js';
import { isChatModelId, modelFromConfig } from './model-catalog.js';
import { ReplyState } from './reply-state.js';
import { SseParser } from './sse-parser.js';
import { describeUpstreamError, type UpstreamContext } from './upstream-error.js';
import { UpstreamCutError, UpstreamHttp, type UpstreamResponse } from './upstream-http.js';

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

/** `GET /models` pages followed at most (api.openai.com may page with `has_more` / `last_id`). */
const maxModelPages = 20;

/** The ids of one `GET /models` page and where the next page starts, if any. */
function modelPage(body: unknown): { ids: string[]; next: string | undefined } {
  const page = (body ?? {}) as { data?: unknown; has_more?: unknown; last_id?: unknown };
  const data = Array.isArray(page.data) ? (page.data as Array<{ id?: unknown } | null>) : [];
  const ids = data.map((model) => model?.id).filter((id): id is string => typeof id === 'string');
  const next = page.has_more === true && typeof page.last_id === 'string' ? page.last_id : undefined;
  return { ids, next };
}

/** A failure while reading the body: our own stream errors as they are, anything else a cut connection. */
function readFailure(error: unknown): unknown {
  if (error instanceof MalformedChunkError || error instanceof StreamErrorEvent) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new UpstreamCutError(typeof code === 'string' ? code : undefined, { cause: error });
}

/** One OpenAI-compatible upstream. */
export class OpenAICompatibleProvider implements ModelProvider {
  readonly id: string;
  /** The base URL without credentials or query, for messages and the start-up banner. */
  readonly url: string;
  private readonly http: UpstreamHttp;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly options: OpenAICompatibleProviderOptions) {
    this.id = options.id;
    this.url = displayUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
    this.http = new UpstreamHttp({ baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs: this.timeoutMs });
  }

  /** Configured models, else the upstream's chat models. Rejects with a clear, key-free message. */
  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    if (this.options.models) return this.options.models.map((model) => modelFromConfig(model, this.url));
    try {
      const ids = await this.modelIds(signal);
      return ids.filter(isChatModelId).map((id) => modelFromConfig({ id }, this.url));
    } catch (error) {
      if (signal?.aborted) throw new Error(`upstream ${this.url} did not list its models in time`);
      throw new Error(describeUpstreamError(error, this.context()).message);
    }
  }

  /** Every model id of `GET /models`, following `has_more` pages a bounded number of times. */
  private async modelIds(signal: AbortSignal | undefined): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < maxModelPages; page++) {
      const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
      const { ids: listed, next } = modelPage(await this.http.getJson(`/models${query}`, signal));
      ids.push(...listed);
      if (next === undefined || next === after) break;
      after = next;
    }
    return ids;
  }

  async *streamChat(request: ChatRequest, signal: AbortSignal): AsyncIterable<StreamPart> {
    const idle = new IdleWatch(this.idleTimeoutMs);
    const state = new ReplyState();
    let failure: unknown;
    let response: UpstreamResponse | undefined;
    let sawDone = false;
    try {
      const params = completionParams(request, this.options.baseUrl);
      response = await this.http.postStream('/chat/completions', params, signal);
      const exchange = response;
      idle.signal.addEventListener('abort', () => void exchange.release(false), { once: true });
      idle.arm();
      const parser = new SseParser();
      // Not destroyed on `break`: after [DONE] the rest of the body is drained so the socket is reused.
      reading: for await (const bytes of response.message.iterator({ destroyOnReturn: false })) {
        idle.arm();
        for (const data of parser.push(bytes as Buffer)) {
          if (isDoneEvent(data)) {
            sawDone = true;
            break reading;
          }
          const text = state.take(parseChunk(data));
          if (text) yield { type: 'text-delta', text };
        }
      }
      parser.end();
    } catch (error) {
      failure = response ? readFailure(error) : error;
    } finally {
      idle.stop();
      // A reply stopped before [DONE] (abort, stall, error, a consumer that left) closes its socket.
      await response?.release(sawDone);
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
