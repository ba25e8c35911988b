/** The sidebar (or archived) conversation list view. */
import { useSyncExternalStore } from 'react';
import type { ConversationListStore, ConversationListView } from '../state/conversation-list-store.js';

export function useConversationList(store: ConversationListStore): ConversationListView {
  return useSyncExternalStore(store.subscribe, store.getView);
}
