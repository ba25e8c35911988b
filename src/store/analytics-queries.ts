/** Queries on `analytics_events`: Segment-style events posted by clients, stored as received. */
import type { Insertable, Selectable } from 'kysely';
import { readJson, writeJson } from './column-codecs.js';
import type { AnalyticsEventsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { AnalyticsEvent } from './store.js';

/** Rows per INSERT, well under SQLite's limit of bound parameters. */
const batchSize = 500;

function toRow(event: AnalyticsEvent): Insertable<AnalyticsEventsTable> {
  return {
    id: event.id,
    user_id: event.userId,
    claimed_user_id: event.claimedUserId,
    anonymous_id: event.anonymousId,
    type: event.type,
    event: event.event,
    message_id: event.messageId,
    timestamp: event.timestamp,
    properties: writeJson(event.properties),
    context: writeJson(event.context),
    receive_time: event.receiveTime,
  };
}

function toEvent(row: Selectable<AnalyticsEventsTable>): AnalyticsEvent {
  return {
    id: row.id,
    userId: row.user_id,
    claimedUserId: row.claimed_user_id,
    anonymousId: row.anonymous_id,
    type: row.type,
    event: row.event,
    messageId: row.message_id,
    timestamp: row.timestamp,
    properties: readJson(row.properties),
    context: readJson(row.context),
    receiveTime: row.receive_time,
  };
}

/** Inserts the events in batches (call inside a transaction for all-or-nothing). */
export async function insertAnalyticsEvents(db: Executor, events: AnalyticsEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += batchSize) {
    const rows = events.slice(start, start + batchSize).map(toRow);
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
  return rows.map(toEvent);
}
