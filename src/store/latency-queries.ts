/** Queries on `latency_reports`: client `lat/r` bodies and server-side stream timings. */
import { latencyMetricWireNames } from '../protocol/latency-metrics.js';
import { textUnionColumn } from './column-codecs.js';
import { insertRows } from './compiled-statements.js';
import type { LatencyReportsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { LatencyReport } from './store.js';

/** The metric columns carry the wire names (`ts_first_token_ms` holds `firstTokenMs`). */
const reportRows = rowMapper<LatencyReportsTable, LatencyReport, typeof latencyMetricWireNames>(
  { source: textUnionColumn() },
  { columns: latencyMetricWireNames },
);

/** The report as its `latency_reports` row. */
export function latencyReportRow(report: LatencyReport) {
  return reportRows.toRow(report);
}

export async function insertLatencyReport(db: Executor, report: LatencyReport): Promise<void> {
  await insertRows(db, 'latency_reports', [reportRows.toRow(report)]);
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
  return rows.map(reportRows.fromRow);
}
