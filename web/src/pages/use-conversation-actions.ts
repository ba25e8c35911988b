/** Sidebar actions on a conversation; archiving or deleting the open one goes back to a new chat. */
import { useMemo } from 'react';
import type { ConversationActions } from '../components/sidebar/conversation-item.js';
import type { AppServices } from '../state/app-services.js';
import { currentRoute, navigate } from '../state/router.js';

function isOpen(id: string): boolean {
  const route = currentRoute();
  return route.name === 'conversation' && route.conversationId === id;
}

export function useConversationActions(services: AppServices, afterOpen: () => void): ConversationActions {
  return useMemo(() => {
    const leave = (id: string) => {
      services.registry.forget(id);
      if (isOpen(id)) navigate({ name: 'new-chat' });
    };
    return {
      open: (id) => {
        navigate({ name: 'conversation', conversationId: id });
        afterOpen();
      },
      rename: (id, title) => {
        void services.list.rename(id, title).catch(() => {});
        services.registry.peek(id)?.updateMeta({ title });
      },
      archive: (id) => {
        void services.list.archive(id).then(
          () => leave(id),
          () => {},
        );
      },
      remove: (id) => {
        void services.list.delete(id).then(
          () => leave(id),
          () => {},
        );
      },
    };
  }, [services, afterOpen]);
}
