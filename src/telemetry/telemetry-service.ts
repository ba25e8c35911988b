/**
 * Telemetry ingest: Segment analytics.js batches (`/ces/v1/b`, seed step 2) and latency reports
 * (`lat/r`). Events are stored under the authenticated user; a `userId` the client claims is kept as
 * data only. With telemetry switched off, batches are validated and dropped.
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { InvalidRequestError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import {
  analyticsBatchSchema,
  analyticsEventSchema,
  describeZodError,
  type LatencyReportBody,
} from '../protocol/requests.js';
import type { AnalyticsEvent, Store } from '../store/store.js';

/** Segment's HTTP API limits: 32 KB per event, 500 KB per batch (the route enforces the batch size). */
export const maxEventBytes = 32 * 1024;
export const maxBatchBytes = 500 * 1024;

export interface TelemetryDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  enabled: boolean;
}

function optionalText(value: string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

export class TelemetryService {
  constructor(private readonly deps: TelemetryDeps) {}

  /** Validates every event first: one bad event rejects the batch and stores nothing. */
  async ingestBatch(userId: string, body: unknown): Promise<void> {
    const batch = analyticsBatchSchema.safeParse(body);
    if (!batch.success) throw new InvalidRequestError(describeZodError(batch.error));
    const receiveTime = epochSeconds(this.deps.clock.now());
    const events = batch.data.batch.map((raw, index) => this.toEvent(userId, raw, index, receiveTime));
    if (this.deps.enabled && events.length > 0) await this.deps.store.insertAnalyticsEvents(events);
  }

  private toEvent(userId: string, raw: unknown, index: number, receiveTime: number): AnalyticsEvent {
    if (Buffer.byteLength(JSON.stringify(raw) ?? '') > maxEventBytes) {
      throw new InvalidRequestError(`batch.${index}: an event must be at most 32 KB`);
    }
    const parsed = analyticsEventSchema.safeParse(raw);
    if (!parsed.success) throw new InvalidRequestError(`batch.${index}.${describeZodError(parsed.error)}`);
    const event = parsed.data;
    return {
      id: this.deps.ids.uuid(),
      userId,
      claimedUserId: optionalText(event.userId),
      anonymousId: optionalText(event.anonymousId),
      type: event.type,
      event: event.event ?? null,
      messageId: event.messageId ?? null,
      timestamp: event.timestamp ?? null,
      properties: event.properties ?? event.traits ?? {},
      context: event.context ?? {},
      receiveTime,
    };
  }

  async recordLatency(userId: string, body: LatencyReportBody): Promise<void> {
    await this.deps.store.insertLatencyReport({
      id: this.deps.ids.uuid(),
      userId,
      source: 'client',
      model: body.model ?? '',
      serverRequestId: body.server_request_id ?? null,
      conversationId: null,
      messageId: null,
      countTokens: body.count_tokens ?? null,
      preflightTimeMs: body.preflight_time_ms ?? null,
      firstTokenMs: body.ts_first_token_ms ?? null,
      maxTokenTimeMs: body.ts_max_token_time_ms ?? null,
      meanTokenWithoutFirstMs: body.ts_mean_token_without_first_ms ?? null,
      medianTokenWithoutFirstMs: body.ts_median_token_without_first_ms ?? null,
      minTokenTimeMs: body.ts_min_token_time_ms ?? null,
      p95TokenWithoutFirstMs: body.ts_p95_token_without_first_ms ?? null,
      p99TokenWithoutFirstMs: body.ts_p99_token_without_first_ms ?? null,
      stdDevTokenMs: body.ts_std_dev_token_ms ?? null,
      totalRequestMs: body.ts_total_request_ms ?? null,
      createTime: epochSeconds(this.deps.clock.now()),
    });
  }
}
