/**
 * Telemetry ingest (docs/api.md, "Telemetry"): Segment analytics.js batches (`/ces/v1/b`) and latency
 * reports (`lat/r`). Events are stored under the authenticated user; a `userId` the client claims is
 * kept as data only. With telemetry switched off, batches are validated and dropped.
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { InvalidRequestError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import { latencyMetricFields, latencyMetricWireNames } from '../protocol/latency-metrics.js';
import {
  analyticsBatchSchema,
  analyticsEventSchema,
  describeZodError,
  type LatencyReportBody,
} from '../protocol/requests.js';
import type { AnalyticsEvent, LatencyMetrics, TelemetryStore } from '../store/store.js';

/** Segment's HTTP API limits: 32 KB per event, 500 KB per batch (the route enforces the batch size). */
export const maxEventBytes = 32 * 1024;
export const maxBatchBytes = 500 * 1024;

export interface TelemetryDeps {
  store: TelemetryStore;
  clock: Clock;
  ids: Ids;
  enabled: boolean;
}

function optionalText(value: string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** The body's latency figures by record name; a figure the client left out is null. */
function metricsOf(body: LatencyReportBody): LatencyMetrics {
  const metrics = latencyMetricFields.map((field) => [field, body[latencyMetricWireNames[field]] ?? null]);
  return Object.fromEntries(metrics) as LatencyMetrics;
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
      ...metricsOf(body),
      createTime: epochSeconds(this.deps.clock.now()),
    });
  }
}
