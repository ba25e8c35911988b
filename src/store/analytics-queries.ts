/** Queries on `analytics_events`: Segment-style events posted by clients, stored as received. */
import { jsonColumn } from './column-codecs.js';
import type { AnalyticsEventsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { AnalyticsEvent } from './store.js';

/** Rows per INSERT, well under SQLite's limit of bound parameters. */
const batchSize = 500;

const eventRows = rowMapper<AnalyticsEventsTable, AnalyticsEvent>({ properties: jsonColumn, context: jsonColumn });

/** Inserts the events in batches (call inside a transaction for all-or-nothing). */
export async function insertAnalyticsEvents(db: Executor, events: AnalyticsEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += batchSize) {
    const rows = events.slice(start, start + batchSize).map(eventRows.toRow);
    await db.insertInto('analytics_events').values(rows).execute();
  }
}

/** The user's events by receive_time, then id. */
export async function listAnalyticsEvents(db: Executor, userId: string): Promise<AnalyticsEvent[]> {
  const rows = await db
    .selectFrom('analytics_events')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('receive_time')
    .orderBy('id')
    .execute();
  return rows.map(eventRows.fromRow);
}
