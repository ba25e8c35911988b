/**
 * The signed-in app: sidebar, header, and either a new chat or an open conversation (by route),
 * with the settings and archived-chats dialogs and the keyboard shortcuts.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { hideAllConversations, serverAnalyticsEnabled } from '../api/backend-api.js';
import { ChatHeader } from '../components/chat/chat-header.js';
import { ConversationPane } from '../components/chat/conversation-pane.js';
import { NewChatPane } from '../components/chat/new-chat-pane.js';
import { ArchivedDialog } from '../components/settings/archived-dialog.js';
import { SettingsDialog } from '../components/settings/settings-dialog.js';
import { Sidebar } from '../components/sidebar/sidebar.js';
import { useKeyboardShortcuts } from '../hooks/use-keyboard-shortcuts.js';
import { loadMarkdown } from '../hooks/use-markdown.js';
import { useRoute } from '../hooks/use-route.js';
import { useSidebar } from '../hooks/use-sidebar.js';
import { useThreadView } from '../hooks/use-thread.js';
import { useServices } from '../state/app-services.js';
import { archiveEverything } from '../state/archive-all.js';
import { navigate } from '../state/router.js';
import { sessionStore } from '../state/session-store.js';
import { useConversationActions } from './use-conversation-actions.js';

type OpenDialog = 'settings' | 'archived' | null;

export function ChatPage() {
  const services = useServices();
  const route = useRoute();
  const sidebar = useSidebar();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [temporary, setTemporary] = useState(false);
  const [draft, setDraft] = useState(() => services.draft());
  const serverAnalytics = useMemo(() => serverAnalyticsEnabled().catch(() => true), []);
  const conversationId = route.name === 'conversation' ? route.conversationId : null;
  const store = useMemo(
    () => (conversationId ? services.registry.open(conversationId) : draft),
    [conversationId, draft, services],
  );
  const view = useThreadView(store);

  useEffect(() => {
    void services.list.loadMore();
    void services.models.load();
    void loadMarkdown();
  }, [services]);

  useEffect(() => {
    document.title = view.title && route.name === 'conversation' ? view.title : 'backchat';
  }, [view.title, route.name]);

  useEffect(() => {
    if (route.name === 'new-chat' && draft !== services.draft()) setDraft(services.draft());
  }, [route, draft, services]);

  const newChat = useCallback(() => {
    setDraft(services.newDraft());
    setTemporary(false);
    navigate({ name: 'new-chat' });
    sidebar.closeOnMobile();
  }, [services, sidebar]);

  useKeyboardShortcuts({ newChat, stop: () => services.controller.stop(store) });
  const actions = useConversationActions(services, sidebar.closeOnMobile);
  const isEmptyDraft = route.name === 'new-chat' && view.keys.length === 0;

  return (
    <div
      className="app-shell"
      data-sidebar={sidebar.open ? 'open' : 'closed'}
      data-mobile={sidebar.mobile || undefined}
    >
      <Sidebar
        open={sidebar.open}
        activeId={conversationId}
        actions={actions}
        onNewChat={newChat}
        onClose={() => sidebar.setOpen(false)}
        onSettings={() => setDialog('settings')}
        onArchived={() => setDialog('archived')}
        onSignOut={() => void sessionStore.signOut()}
      />
      {sidebar.mobile && sidebar.open && (
        <div className="sidebar-backdrop" aria-hidden="true" onClick={() => sidebar.setOpen(false)} />
      )}
      <main className="main">
        <ChatHeader
          mobile={sidebar.mobile}
          sidebarOpen={sidebar.open}
          onOpenSidebar={() => sidebar.setOpen(true)}
          onNewChat={newChat}
          temporary={isEmptyDraft ? { value: temporary, set: setTemporary } : null}
          inTemporaryChat={view.isTemporary && !isEmptyDraft}
        />
        {isEmptyDraft ? (
          <NewChatPane key="new" store={store} temporary={temporary} serverAnalytics={serverAnalytics} />
        ) : (
          <ConversationPane key="conversation" store={store} onNewChat={newChat} />
        )}
      </main>
      <SettingsDialog
        open={dialog === 'settings'}
        onClose={() => setDialog(null)}
        onManageArchived={() => setDialog('archived')}
        onArchiveAll={async () => {
          await archiveEverything();
          services.list.clear();
          newChat();
        }}
        onDeleteAll={async () => {
          await hideAllConversations();
          services.list.clear();
          services.registry.clear();
          newChat();
        }}
      />
      <ArchivedDialog
        open={dialog === 'archived'}
        onClose={() => setDialog(null)}
        onOpenConversation={(id) => {
          setDialog(null);
          actions.open(id);
        }}
        onUnarchived={(item) => services.list.prepend({ ...item, animateTitle: false })}
      />
    </div>
  );
}
