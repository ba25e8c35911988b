/**
 * Shared links (docs/api.md, "Shared links"): create a snapshot of the shown branch, make it public,
 * list and revoke them, read one (signed out too), and copy one into the caller's history.
 */
import type { WireMessage } from '../../../src/protocol/wire-types.js';
import { request, requestJson } from './http-client.js';

export interface Share {
  share_id: string;
  share_url: string;
  title: string;
  is_public: boolean;
  is_visible: boolean;
  is_anonymous: boolean;
  highlighted_message_id: string | null;
  current_node_id: string;
  already_exists: boolean;
}

export interface SharedConversationItem {
  id: string;
  conversation_id: string;
  title: string;
  create_time: string;
  update_time: string;
  is_public: boolean;
  is_anonymous: boolean;
}

export interface SharedConversationList {
  items: SharedConversationItem[];
  total: number;
  limit: number;
  offset: number;
}

export interface SharedConversation {
  title: string;
  create_time: number;
  update_time: number;
  current_node: string;
  conversation_id: string;
  linear_conversation: Array<{ id: string; message: WireMessage | null }>;
  continue_conversation_url: string;
  author_name: string | null;
  highlighted_message_id: string | null;
}

const sharePath = (id: string) => `/backend-api/share/${encodeURIComponent(id)}`;

export function createShare(conversationId: string, currentNodeId: string, isAnonymous: boolean): Promise<Share> {
  return requestJson('/backend-api/share/create', {
    json: { conversation_id: conversationId, current_node_id: currentNodeId, is_anonymous: isAnonymous },
  });
}

export function updateShare(
  id: string,
  patch: Partial<Pick<Share, 'is_public' | 'is_visible' | 'is_anonymous' | 'title' | 'highlighted_message_id'>>,
): Promise<Share> {
  return requestJson(sharePath(id), { method: 'PATCH', json: { share_id: id, ...patch } });
}

export function listShares(): Promise<SharedConversationList> {
  return requestJson('/backend-api/shared_conversations?order=created&offset=0&limit=100');
}

export async function deleteShare(id: string): Promise<void> {
  await request(sharePath(id), { method: 'DELETE' });
}

export function getShare(id: string): Promise<SharedConversation> {
  return requestJson(sharePath(id));
}

/** Copies the shared snapshot into the caller's history; resolves to the new conversation's id. */
export async function continueShare(id: string): Promise<string> {
  const body = await requestJson<{ conversation_id: string }>(`${sharePath(id)}/continue`, { method: 'POST' });
  return body.conversation_id;
}
