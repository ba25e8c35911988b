/**
 * Telemetry ingest (docs/api.md, "Telemetry"): Segment analytics.js batches (`/ces/v1/b`) and latency
 * reports (`lat/r`). Events are stored under the authenticated user; a `userId` the client claims is
 * kept as data only. With telemetry switched off, batches are validated and dropped.
 *
 * Accepted events are queued in this process's EventBuffer and written within its flush interval
 * (event-buffer.ts); whoever reads them back and must see the latest awaits `flush()` first.
 */
import { BackgroundLane } from '../background-lane.js';
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { type Ids, timeOrderedUuids } from '../ids.js';
import { latencyMetricFields, latencyMetricWireNames } from '../protocol/latency-metrics.js';
import type { LatencyReportBody } from '../protocol/requests.js';
import type { AnalyticsEvent, LatencyMetrics, TelemetryStore } from '../store/store.js';
import { type AnalyticsEventBody, oversizedEvents, validateBatch } from './analytics-validation.js';
import { EventBuffer, type EventBufferOptions } from './event-buffer.js';

export interface TelemetryDeps {
  store: TelemetryStore;
  clock: Clock;
  ids: Ids;
  enabled: boolean;
  /** Where failed writes of the buffer are reported (default: nowhere). */
  log?: (message: string) => void;
  /** The buffer's tuning (tests shorten or lengthen its interval, shrink its capacity). */
  buffer?: Omit<EventBufferOptions, 'write' | 'log'>;
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
  /**
   * Where batches are parsed (the route's body parser) and validated: after the requests people wait
   * for, about a millisecond of it per turn of the event loop.
   */
  readonly lane = new BackgroundLane();
  readonly #buffer: EventBuffer;
  /** Event ids: time-ordered, so their rows append to the primary-key index. */
  readonly #eventId: (nowMs: number) => string;

  constructor(private readonly deps: TelemetryDeps) {
    const store = deps.store;
    this.#buffer = new EventBuffer({
      ...deps.buffer,
      write: (events) => store.insertAnalyticsEvents(events),
      log: deps.log ?? (() => {}),
    });
    this.#eventId = timeOrderedUuids(deps.ids);
  }

  /**
   * Validates every event first: one bad event rejects the batch and queues nothing. `text` is the
   * body as sent, for the events' sizes (without it they are measured re-serialised). A full buffer
   * refuses the batch with a ServiceUnavailableError (503).
   */
  async ingestBatch(userId: string, body: unknown, text?: string): Promise<void> {
    // While the writer is behind, the batch waits for it: a flood is slowed to what the database takes.
    if (this.deps.enabled) await this.#buffer.room();
    return this.lane.run(() => this.#accept(userId, body, text));
  }

  #accept(userId: string, body: unknown, text: string | undefined): void {
    const batch = validateBatch(body, oversizedEvents(body, text));
    if (!this.deps.enabled || batch.length === 0) return;
    const now = this.deps.clock.now();
    const receiveTime = epochSeconds(now);
    const nowMs = now.getTime();
    this.#buffer.add(batch.map((event) => this.toEvent(userId, event, receiveTime, nowMs)));
  }

  /** Resolves once every event accepted so far is written (readers await it to see them). */
  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  /** Shutdown: refuses new batches and writes the accepted ones (see EventBuffer.close). */
  close(): Promise<void> {
    return this.#buffer.close();
  }

  /** Events accepted and not written yet. */
  get pendingEvents(): number {
    return this.#buffer.size;
  }

  private toEvent(userId: string, event: AnalyticsEventBody, receiveTime: number, nowMs: number): AnalyticsEvent {
    return {
      id: this.#eventId(nowMs),
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
