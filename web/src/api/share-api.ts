/**
 * Shared links (docs/api.md, "Shared links"): create a snapshot of the shown branch, make it public,
 * list and revoke them, read one (signed out too), and copy one into the caller's history.
 */
import type {
  WireShare,
  WireSharedConversation,
  WireSharedConversationItem,
  WireSharedConversationList,
} from '../../../src/protocol/share-types.js';
import { request, requestJson } from './http-client.js';

export type Share = WireShare;
export type SharedConversationItem = WireSharedConversationItem;
export type SharedConversationList = WireSharedConversationList;
export type SharedConversation = WireSharedConversation;

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
