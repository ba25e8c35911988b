/** The telemetry part of the Store seam: latency reports and analytics events, stored per user. */
import type { LatencyMetricField } from '../protocol/latency-metrics.js';

/** The latency figures of a report, by record name (src/protocol/latency-metrics.ts); null = not measured. */
export type LatencyMetrics = Record<LatencyMetricField, number | null>;

export interface LatencyReport extends LatencyMetrics {
  id: string;
  userId: string;
  /** `client` = posted to lat/r by a client; `server` = measured by backchat while streaming. */
  source: 'client' | 'server';
  model: string;
  serverRequestId: string | null;
  conversationId: string | null;
  messageId: string | null;
  createTime: number;
}

export interface AnalyticsEvent {
  id: string;
  /** The authenticated user: the only identity we trust. */
  userId: string;
  /** `userId` as claimed by the client, kept as data only. */
  claimedUserId: string | null;
  anonymousId: string | null;
  type: string;
  event: string | null;
  messageId: string | null;
  /** The client's timestamp string, as sent. */
  timestamp: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  receiveTime: number;
}

export interface TelemetryStore {
  insertLatencyReport(report: LatencyReport): Promise<void>;
  listLatencyReports(userId: string): Promise<LatencyReport[]>;
  insertAnalyticsEvents(events: AnalyticsEvent[]): Promise<void>;
  listAnalyticsEvents(userId: string): Promise<AnalyticsEvent[]>;
}
