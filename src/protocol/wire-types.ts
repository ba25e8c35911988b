/**
 * Response shapes of backend-api as ChatGPT's web app received them in December 2023 (docs/api.md).
 * Times: `number` = float epoch seconds; `string` = ISO 8601 with `+00:00` (list endpoints only).
 * Key order of these objects is the wire key order: build them in this order.
 */

export interface WireAuthor {
  role: 'system' | 'user' | 'assistant' | 'tool';
  name: string | null;
  metadata: Record<string, unknown>;
}

export interface WireMessage {
  id: string;
  author: WireAuthor;
  /** Float epoch seconds; null for the hidden system node. */
  create_time: number | null;
  update_time: number | null;
  content: { content_type: string; parts: unknown[] };
  status: string;
  end_turn: boolean | null;
  weight: number;
  metadata: Record<string, unknown>;
  recipient: string;
}

export interface WireNode {
  id: string;
  message: WireMessage | null;
  parent: string | null;
  children: string[];
}

export interface WireConversation {
  title: string;
  create_time: number;
  update_time: number;
  /** Insertion order: root, system node, then messages as they were added. */
  mapping: Record<string, WireNode>;
  moderation_results: unknown[];
  current_node: string;
  plugin_ids: null;
  conversation_id: string;
  conversation_template_id: null;
  gizmo_id: null;
  is_archived: boolean;
  safe_urls: string[];
}

/** The `window` of `GET conversation/{id}?tail=N` (a backchat extension, docs/api.md "Windowed conversation"). */
export interface WireWindow {
  /** The oldest node in `mapping` (null when the mapping is empty). */
  first_node: string | null;
  /** The newest node in `mapping`: the branch's leaf in a first window. */
  last_node: string | null;
  /** Whether the branch has older nodes than `first_node`. */
  has_more: boolean;
  /** Pass as `before` to get the next-older window; null when `has_more` is false. */
  cursor: string | null;
}

/** A windowed conversation: the full form's fields, `mapping` holding one window of a branch, and `window`. */
export type WireWindowedConversation = WireConversation & { window: WireWindow };

export interface WireConversationListItem {
  id: string;
  title: string;
  create_time: string;
  update_time: string;
  mapping: null;
  current_node: null;
  conversation_template_id: null;
  gizmo_id: null;
  is_archived: boolean;
  workspace_id: null;
}

export interface WireConversationList {
  items: WireConversationListItem[];
  total: number;
  limit: number;
  offset: number;
  has_missing_conversations: boolean;
}

/** One `data: ` event of the conversation stream carrying a message. */
export interface WireMessageEvent {
  message: WireMessage | null;
  conversation_id: string;
  error: string | null;
}

export interface WireModerationEvent {
  conversation_id: string;
  message_id: string;
  is_completion: boolean;
  moderation_response: { flagged: boolean; blocked: boolean; moderation_id: string };
}

export interface WireModel {
  slug: string;
  max_tokens: number;
  title: string;
  description: string;
  tags: string[];
  capabilities: Record<string, unknown>;
  product_features: Record<string, unknown>;
}

export interface WirePromptItem {
  id: string;
  title: string;
  description: string;
  prompt: string;
  category: string;
}

/** Title used for conversations that have none yet. */
export const UNTITLED = 'New chat';
