/** The backend-api routes the page calls besides the answer stream (listed in docs/api.md). */
import { firstWindowPath, firstWindowSize } from '../../../src/protocol/first-window.js';
import type {
  WireConversation,
  WireConversationList,
  WireModel,
  WirePromptItem,
  WireWindowedConversation,
} from '../../../src/protocol/wire-types.js';
import { request, requestJson } from './http-client.js';

/** One page of the sidebar (and of the archived list). */
export const conversationPageSize = 28;

export function listConversations(offset: number, archived = false): Promise<WireConversationList> {
  const archivedQuery = archived ? '&is_archived=true' : '';
  return requestJson(
    `/backend-api/conversations?offset=${offset}&limit=${conversationPageSize}&order=updated${archivedQuery}`,
  );
}

export function getConversation(id: string, signal?: AbortSignal): Promise<WireConversation> {
  return requestJson(`/backend-api/conversation/${encodeURIComponent(id)}`, signal ? { signal } : {});
}

/** Messages in the first window (src/protocol/first-window.ts). */
export const windowSize = firstWindowSize;
/**
 * Messages per older window (scrolling up): the most the server gives in one window, since a person
 * scrolling up to the start of a long conversation waits for one round trip and one settling of the
 * page per window (to the first of 2,000 messages: 2,455–2,567 ms with 300, 2,282–2,306 ms with 500);
 * rows far from the view stay light (docs/web-ui.md).
 */
export const olderWindowSize = 500;

/** Which part of a branch a windowed GET asks for (docs/api.md, "Windowed conversation"). */
export type WindowQuery = { anchor: string } | { before: string } | Record<string, never>;

/**
 * The last `windowSize` messages of a branch (backchat's extension of `GET conversation/{id}`): the
 * current one, the one through `anchor`, or the ones older than a `before` cursor.
 */
export function getConversationWindow(
  id: string,
  query: WindowQuery = {},
  signal?: AbortSignal,
): Promise<WireWindowedConversation> {
  const init = signal ? { signal } : {};
  // The plain first window is the URL the server's preload hint names: the same string, or no reuse.
  if (!('before' in query) && !('anchor' in query)) return requestJson(firstWindowPath(id), init);
  const tail = 'before' in query ? olderWindowSize : windowSize;
  const params = new URLSearchParams({ tail: String(tail), ...query });
  return requestJson(`/backend-api/conversation/${encodeURIComponent(id)}?${params}`, init);
}

export type ConversationPatch =
  | { title: string }
  | { is_visible: false }
  | { is_archived: boolean }
  | { current_node: string };

export async function patchConversation(id: string, patch: ConversationPatch): Promise<void> {
  await request(`/backend-api/conversation/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch });
}

/** Hides every conversation of the user ("Delete all chats"). */
export async function hideAllConversations(): Promise<void> {
  await request('/backend-api/conversations', { method: 'PATCH', json: { is_visible: false } });
}

/** Archives every conversation of the user ("Archive all"). */
export async function archiveAllConversations(): Promise<void> {
  await request('/backend-api/conversations', { method: 'PATCH', json: { is_archived: true } });
}

export async function generateTitle(conversationId: string, messageId: string): Promise<string | null> {
  const body = await requestJson<{ title?: unknown }>(
    `/backend-api/conversation/gen_title/${encodeURIComponent(conversationId)}`,
    { json: { message_id: messageId } },
  );
  return typeof body?.title === 'string' ? body.title : null;
}

export type Rating = 'thumbsUp' | 'thumbsDown';

export async function sendFeedback(conversationId: string, messageId: string, rating: Rating): Promise<void> {
  await request('/backend-api/conversation/message_feedback', {
    json: { message_id: messageId, conversation_id: conversationId, rating },
  });
}

/** The caller's ratings in a conversation (backchat's own route), so the thumbs survive a reload. */
export async function conversationRatings(
  conversationId: string,
): Promise<Array<{ messageId: string; rating: Rating }>> {
  const body = await requestJson<{ items?: Array<{ message_id: string; rating: string }> }>(
    `/backend-api/conversation/${encodeURIComponent(conversationId)}/feedback`,
  );
  return (body?.items ?? []).flatMap((item) =>
    item.rating === 'thumbsUp' || item.rating === 'thumbsDown'
      ? [{ messageId: item.message_id, rating: item.rating }]
      : [],
  );
}

export async function listModels(): Promise<WireModel[]> {
  const body = await requestJson<{ models?: WireModel[] }>('/backend-api/models');
  return body?.models ?? [];
}

export async function starterPrompts(): Promise<WirePromptItem[]> {
  const body = await requestJson<{ items?: WirePromptItem[] }>('/backend-api/prompt_library/?limit=4&offset=0');
  return body?.items ?? [];
}

/** The account check ChatGPT's web app makes before each send (the order is in docs/web-ui.md). */
export async function checkAccount(): Promise<void> {
  await request('/backend-api/accounts/check/v4-2023-04-27');
}

/** The server's analytics switch (`settings.analytics_enabled`); true when the server does not say. */
export async function serverAnalyticsEnabled(): Promise<boolean> {
  const body = await requestJson<{ settings?: { analytics_enabled?: unknown } }>('/backend-api/settings/user');
  return body?.settings?.analytics_enabled !== false;
}

export async function reportLatency(report: Record<string, unknown>): Promise<void> {
  await request('/backend-api/lat/r', { json: report });
}

export type { WireConversation, WireConversationList, WireModel, WirePromptItem, WireWindowedConversation };
