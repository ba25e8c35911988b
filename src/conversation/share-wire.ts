/** Share records → the wire objects of the share routes (src/protocol/share-types.ts). */
import {
  moderationState,
  type WireShare,
  type WireSharedConversation,
  type WireSharedConversationItem,
} from '../protocol/share-types.js';
import { isoTime, wireSeconds } from '../protocol/times.js';
import type { ShareRecord } from '../store/store.js';
import { toWireMapping } from './wire-format.js';

/** `<base>/share/<id>`: the page anyone with the link opens. */
export function shareUrl(baseUrl: string, shareId: string): string {
  return `${baseUrl}/share/${shareId}`;
}

export function toWireShare(share: ShareRecord, baseUrl: string, alreadyExists: boolean): WireShare {
  return {
    share_id: share.id,
    share_url: shareUrl(baseUrl, share.id),
    title: share.title,
    is_public: share.isPublic,
    is_visible: share.isVisible,
    is_anonymous: share.isAnonymous,
    highlighted_message_id: share.highlightedMessageId,
    current_node_id: share.currentNode,
    already_exists: alreadyExists,
    moderation_state: moderationState,
  };
}

export function toWireSharedItem(share: ShareRecord): WireSharedConversationItem {
  return {
    id: share.id,
    conversation_id: share.conversationId,
    title: share.title,
    create_time: isoTime(share.createTime),
    update_time: isoTime(share.updateTime),
    is_public: share.isPublic,
    is_anonymous: share.isAnonymous,
    current_node: share.currentNode,
    mapping: null,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: null,
    workspace_id: null,
  };
}

/** The snapshot as the public read returns it; `authorName` only reaches the wire when not anonymous. */
export function toWireSharedConversation(
  share: ShareRecord,
  baseUrl: string,
  authorName: string | null,
): WireSharedConversation {
  const mapping = toWireMapping(share.snapshot);
  return {
    title: share.title,
    create_time: wireSeconds(share.createTime),
    update_time: wireSeconds(share.updateTime),
    mapping,
    moderation_results: [],
    current_node: share.currentNode,
    conversation_id: share.id,
    is_public: share.isPublic,
    linear_conversation: Object.values(mapping),
    has_user_editable_context: false,
    continue_conversation_url: `${shareUrl(baseUrl, share.id)}/continue`,
    model: share.model === null ? null : { slug: share.model, title: share.model },
    moderation_state: moderationState,
    is_indexable: false,
    highlighted_message_id: share.highlightedMessageId,
    author_name: share.isAnonymous ? null : authorName,
  };
}
