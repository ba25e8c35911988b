/** The feedback part of the Store seam: thumbs ratings of messages. */

export interface FeedbackRecord {
  id: string;
  userId: string;
  conversationId: string;
  messageId: string;
  rating: 'thumbsUp' | 'thumbsDown';
  text: string | null;
  tags: string[];
  createTime: number;
}

export interface FeedbackStore {
  /** One rating per (user, conversation, message): a second call replaces the first. */
  upsertFeedback(feedback: FeedbackRecord): Promise<FeedbackRecord>;
  /** The user's ratings, oldest first; only those of `conversationId` when given. */
  listFeedback(userId: string, conversationId?: string): Promise<FeedbackRecord[]>;
}
