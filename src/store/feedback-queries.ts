/** Queries on `message_feedback`: one rating per (user, conversation, message). */
import type { Selectable } from 'kysely';
import { readJson, writeJson } from './column-codecs.js';
import type { MessageFeedbackTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { FeedbackRecord } from './store.js';

function toFeedback(row: Selectable<MessageFeedbackTable>): FeedbackRecord {
  return {
    id: row.id,
    userId: row.user_id,
    conversationId: row.conversation_id,
    messageId: row.message_id,
    rating: row.rating as FeedbackRecord['rating'],
    text: row.text,
    tags: readJson(row.tags),
    createTime: row.create_time,
  };
}

/**
 * Inserts the rating, or replaces rating/text/tags/create_time of the existing one for the same
 * target. The first rating's id is kept, so the returned record may carry another id than `feedback`.
 */
export async function upsertFeedback(db: Executor, feedback: FeedbackRecord): Promise<FeedbackRecord> {
  const row = await db
    .insertInto('message_feedback')
    .values({
      id: feedback.id,
      user_id: feedback.userId,
      conversation_id: feedback.conversationId,
      message_id: feedback.messageId,
      rating: feedback.rating,
      text: feedback.text,
      tags: writeJson(feedback.tags),
      create_time: feedback.createTime,
    })
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
  return toFeedback(row);
}

/** The user's ratings (of one conversation, when given), oldest first. */
export async function listFeedback(db: Executor, userId: string, conversationId?: string): Promise<FeedbackRecord[]> {
  let query = db.selectFrom('message_feedback').selectAll().where('user_id', '=', userId);
  if (conversationId !== undefined) query = query.where('conversation_id', '=', conversationId);
  const rows = await query.orderBy('create_time').orderBy('id').execute();
  return rows.map(toFeedback);
}
