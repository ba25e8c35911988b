/** message_feedback (docs/api.md): one thumbs rating per user and message, on the user's own messages only. */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { NotFoundError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import { isoTime } from '../protocol/times.js';
import type { ConversationRecord, ConversationStore, FeedbackStore } from '../store/store.js';

export interface FeedbackInput {
  message_id: string;
  conversation_id: string;
  rating: 'thumbsUp' | 'thumbsDown';
  text?: string | null;
  tags?: string[] | null;
}

export class FeedbackService {
  constructor(private readonly deps: { store: ConversationStore & FeedbackStore; clock: Clock; ids: Ids }) {}

  /**
   * The owner's ratings in a conversation already checked to be theirs and visible (ConversationService
   * `visible`), so the thumbs survive a reload.
   */
  async ratings(conversation: ConversationRecord): Promise<{ items: Array<{ message_id: string; rating: string }> }> {
    const ratings = await this.deps.store.listFeedback(conversation.ownerId, conversation.id);
    return { items: ratings.map((rating) => ({ message_id: rating.messageId, rating: rating.rating })) };
  }

  async rate(userId: string, input: FeedbackInput): Promise<Record<string, unknown>> {
    const conversation = await this.deps.store.getConversation(userId, input.conversation_id);
    const message = conversation?.isVisible
      ? await this.deps.store.getMessage(userId, input.conversation_id, input.message_id)
      : undefined;
    if (!message || message.role === 'root') {
      throw new NotFoundError(`Message ${input.message_id} not found in conversation ${input.conversation_id}`);
    }
    const saved = await this.deps.store.upsertFeedback({
      id: this.deps.ids.uuid(),
      userId,
      conversationId: input.conversation_id,
      messageId: input.message_id,
      rating: input.rating,
      text: input.text ?? null,
      tags: input.tags ?? [],
      createTime: epochSeconds(this.deps.clock.now()),
    });
    return {
      id: saved.id,
      conversation_id: saved.conversationId,
      message_id: saved.messageId,
      user_id: saved.userId,
      rating: saved.rating,
      create_time: isoTime(saved.createTime),
      workspace_id: null,
      content: JSON.stringify({ text: saved.text ?? '', tags: saved.tags }),
      storage_protocol: 'json',
    };
  }
}
