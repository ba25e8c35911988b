/** Queries on `latency_reports`: client `lat/r` bodies and server-side stream timings. */
import type { Insertable, Selectable } from 'kysely';
import type { LatencyReportsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { LatencyMetrics, LatencyReport } from './store.js';

/** Record field → column, for the metrics (all nullable numbers). */
const metricColumns = {
  countTokens: 'count_tokens',
  preflightTimeMs: 'preflight_time_ms',
  firstTokenMs: 'ts_first_token_ms',
  maxTokenTimeMs: 'ts_max_token_time_ms',
  meanTokenWithoutFirstMs: 'ts_mean_token_without_first_ms',
  medianTokenWithoutFirstMs: 'ts_median_token_without_first_ms',
  minTokenTimeMs: 'ts_min_token_time_ms',
  p95TokenWithoutFirstMs: 'ts_p95_token_without_first_ms',
  p99TokenWithoutFirstMs: 'ts_p99_token_without_first_ms',
  stdDevTokenMs: 'ts_std_dev_token_ms',
  totalRequestMs: 'ts_total_request_ms',
} as const satisfies Record<keyof LatencyMetrics, keyof LatencyReportsTable>;

const metricFields = Object.keys(metricColumns) as (keyof LatencyMetrics)[];

function toRow(report: LatencyReport): Insertable<LatencyReportsTable> {
  const row: Insertable<LatencyReportsTable> = {
    id: report.id,
    user_id: report.userId,
    source: report.source,
    model: report.model,
    server_request_id: report.serverRequestId,
    conversation_id: report.conversationId,
    message_id: report.messageId,
    create_time: report.createTime,
  };
  for (const field of metricFields) row[metricColumns[field]] = report[field];
  return row;
}

function toReport(row: Selectable<LatencyReportsTable>): LatencyReport {
  const metrics = Object.fromEntries(metricFields.map((field) => [field, row[metricColumns[field]]]));
  return {
    id: row.id,
    userId: row.user_id,
    source: row.source as LatencyReport['source'],
    model: row.model,
    serverRequestId: row.server_request_id,
    conversationId: row.conversation_id,
    messageId: row.message_id,
    createTime: row.create_time,
    ...(metrics as unknown as LatencyMetrics),
  };
}

export async function insertLatencyReport(db: Executor, report: LatencyReport): Promise<void> {
  await db.insertInto('latency_reports').values(toRow(report)).execute();
}

/** The user's reports, oldest first. */
export async function listLatencyReports(db: Executor, userId: string): Promise<LatencyReport[]> {
  const rows = await db
    .selectFrom('latency_reports')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('create_time')
    .orderBy('id')
    .execute();
  return rows.map(toReport);
}
