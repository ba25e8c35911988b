/**
 * Response shapes of the share routes (docs/api.md, "Shares"). Key order is the wire order.
 * Times: `number` = float epoch seconds; `string` = ISO 8601 with `+00:00` (the list only).
 */
import type { WireNode } from './wire-types.js';

/** Always all false: backchat does not moderate shares. */
export interface WireModerationState {
  has_been_moderated: false;
  has_been_blocked: false;
  has_been_accepted: false;
  has_been_auto_blocked: false;
  has_been_auto_moderated: false;
}

export const moderationState: WireModerationState = {
  has_been_moderated: false,
  has_been_blocked: false,
  has_been_accepted: false,
  has_been_auto_blocked: false,
  has_been_auto_moderated: false,
};

/** The answer of `POST share/create` and `PATCH share/{id}`. */
export interface WireShare {
  share_id: string;
  /** `<public base URL>/share/<share_id>`. */
  share_url: string;
  title: string;
  is_public: boolean;
  is_visible: boolean;
  is_anonymous: boolean;
  highlighted_message_id: string | null;
  current_node_id: string;
  /** True when the conversation was already shared (its snapshot is refreshed). */
  already_exists: boolean;
  moderation_state: WireModerationState;
}

export interface WireSharedConversationItem {
  /** The share id. */
  id: string;
  conversation_id: string;
  title: string;
  create_time: string;
  update_time: string;
  is_public: boolean;
  is_anonymous: boolean;
  current_node: string;
  mapping: null;
  conversation_template_id: null;
  gizmo_id: null;
  is_archived: null;
  workspace_id: null;
}

export interface WireSharedConversationList {
  items: WireSharedConversationItem[];
  total: number;
  limit: number;
  offset: number;
  has_missing_conversations: false;
}

/** The model a share was made with, as far as the share knows it. */
export interface WireShareModel {
  slug: string;
  title: string;
}

/** `GET share/{id}`: the snapshot, readable without signing in when public. */
export interface WireSharedConversation {
  title: string;
  create_time: number;
  update_time: number;
  /** The shared branch only, root first. */
  mapping: Record<string, WireNode>;
  moderation_results: unknown[];
  current_node: string;
  /** The share id (not the conversation's: that stays private). */
  conversation_id: string;
  is_public: boolean;
  /** The mapping's nodes in order, root first. */
  linear_conversation: WireNode[];
  has_user_editable_context: false;
  continue_conversation_url: string;
  model: WireShareModel | null;
  moderation_state: WireModerationState;
  is_indexable: false;
  highlighted_message_id: string | null;
  /** The owner's display name; null when the share is anonymous. */
  author_name: string | null;
}
