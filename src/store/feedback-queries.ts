/** Queries on `message_feedback`: one rating per (user, conversation, message). */
import { jsonColumn, textUnionColumn } from './column-codecs.js';
import type { MessageFeedbackTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { FeedbackRecord } from './store.js';

const feedbackRows = rowMapper<MessageFeedbackTable, FeedbackRecord>({ rating: textUnionColumn(), tags: jsonColumn });

/**
 * Inserts the rating, or replaces rating/text/tags/create_time of the existing one for the same
 * target. The first rating's id is kept, so the returned record may carry another id than `feedback`.
 */
export async function upsertFeedback(db: Executor, feedback: FeedbackRecord): Promise<FeedbackRecord> {
  const row = await db
    .insertInto('message_feedback')
    .values(feedbackRows.toRow(feedback))
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'conversation_id', 'message_id']).doUpdateSet((eb) => ({
        rating: eb.ref('excluded.rating'),
        text: eb.ref('excluded.text'),
        tags: eb.ref('excluded.tags'),
        create_time: eb.ref('excluded.create_time'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return feedbackRows.fromRow(row);
}

/** The user's ratings (of one conversation, when given), oldest first. */
export async function listFeedback(db: Executor, userId: string, conversationId?: string): Promise<FeedbackRecord[]> {
  let query = db.selectFrom('message_feedback').selectAll().where('user_id', '=', userId);
  if (conversationId !== undefined) query = query.where('conversation_id', '=', conversationId);
  const rows = await query.orderBy('create_time').orderBy('id').execute();
  return rows.map(feedbackRows.fromRow);
}
