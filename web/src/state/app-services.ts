/**
 * Everything one signed-in session of the app shares: the sidebar list, the thread stores, the chat
 * controller and the models. Made fresh at every sign-in, so nothing leaks between accounts.
 */
import { createContext, useContext } from 'react';
import type { SessionUser } from '../api/auth-api.js';
import { ChatController } from './chat-controller.js';
import { ConversationListStore } from './conversation-list-store.js';
import { ModelStore } from './model-store.js';
import { currentRoute, navigate } from './router.js';
import { settingsStore } from './settings-store.js';
import { ThreadRegistry } from './thread-registry.js';
import { ThreadStore } from './thread-store.js';

export interface AppServices {
  user: SessionUser;
  list: ConversationListStore;
  registry: ThreadRegistry;
  models: ModelStore;
  controller: ChatController;
  /** The thread of the new-chat screen; replaced after it became a conversation. */
  draft(): ThreadStore;
  newDraft(): ThreadStore;
}

export function createAppServices(user: SessionUser): AppServices {
  const list = new ConversationListStore();
  // A conversation opened while its answer is still being written follows that answer.
  const registry = new ThreadRegistry((store, conversation) => controller.opened(store, conversation));
  const models = new ModelStore();
  let draft = new ThreadStore();
  const controller = new ChatController({
    registry,
    list,
    model: () => models.current(),
    keepGenerating: () => settingsStore.get().keepGenerating,
    // The new chat got its id: show it at /c/:id — unless the user has gone elsewhere meanwhile.
    opened: (conversationId, store) => {
      if (store !== draft) return;
      draft = new ThreadStore();
      if (currentRoute().name === 'new-chat') navigate({ name: 'conversation', conversationId }, true);
    },
  });
  return {
    user,
    list,
    registry,
    models,
    controller,
    draft: () => draft,
    newDraft: () => {
      draft = new ThreadStore();
      return draft;
    },
  };
}

export const AppServicesContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(AppServicesContext);
  if (!services) throw new Error('useServices outside AppServicesContext');
  return services;
}
