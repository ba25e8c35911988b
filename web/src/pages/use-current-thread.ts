/** The thread on screen: the new-chat draft at `/`, the conversation's store at `/c/:id`; the tab title. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useRoute } from '../hooks/use-route.js';
import { useThreadView } from '../hooks/use-thread.js';
import type { AppServices } from '../state/app-services.js';

export function useCurrentThread(services: AppServices) {
  const route = useRoute();
  const [draft, setDraft] = useState(() => services.draft());
  const conversationId = route.name === 'conversation' ? route.conversationId : null;
  const store = useMemo(
    () => (conversationId ? services.registry.open(conversationId) : draft),
    [conversationId, draft, services],
  );
  const view = useThreadView(store);

  useEffect(() => {
    document.title = view.title && conversationId ? view.title : 'backchat';
  }, [view.title, conversationId]);

  // Back at `/` after the draft became a conversation: show the fresh draft.
  useEffect(() => {
    if (route.name === 'new-chat' && draft !== services.draft()) setDraft(services.draft());
  }, [route, draft, services]);

  const startDraft = useCallback(() => setDraft(services.newDraft()), [services]);
  const isEmptyDraft = route.name === 'new-chat' && view.keys.length === 0;
  return { conversationId, store, view, isEmptyDraft, startDraft };
}
