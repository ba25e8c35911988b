/**
 * The signed-in app: sidebar, header, and either a new chat or an open conversation (by route),
 * with the settings, archived-chats and administration dialogs and the keyboard shortcuts.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { serverAnalyticsEnabled } from '../api/backend-api.js';
import { ChatHeader } from '../components/chat/chat-header.js';
import { ConversationPane } from '../components/chat/conversation-pane.js';
import { NewChatPane } from '../components/chat/new-chat-pane.js';
import { SearchDialog } from '../components/search/search-dialog.js';
import { ChatDialogs, type OpenDialog } from '../components/settings/chat-dialogs.js';
import { ShareDialog } from '../components/share/share-dialog.js';
import { Sidebar } from '../components/sidebar/sidebar.js';
import { useJumpToMessage } from '../hooks/use-jump-to-message.js';
import { useKeyboardShortcuts } from '../hooks/use-keyboard-shortcuts.js';
import { useSidebar } from '../hooks/use-sidebar.js';
import { useServices } from '../state/app-services.js';
import { navigate } from '../state/router.js';
import { sessionStore } from '../state/session-store.js';
import { useConversationActions } from './use-conversation-actions.js';
import { useCurrentThread } from './use-current-thread.js';

export function ChatPage() {
  const services = useServices();
  const sidebar = useSidebar();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [temporary, setTemporary] = useState(false);
  const [searching, setSearching] = useState(false);
  const [sharing, setSharing] = useState(false);
  const serverAnalytics = useMemo(() => serverAnalyticsEnabled().catch(() => true), []);
  const { conversationId, store, view, isEmptyDraft, startDraft } = useCurrentThread(services);

  useEffect(() => {
    void services.list.loadMore();
    void services.models.load();
  }, [services]);

  const newChat = useCallback(() => {
    startDraft();
    setTemporary(false);
    navigate({ name: 'new-chat' });
    sidebar.closeOnMobile();
  }, [startDraft, sidebar]);

  useKeyboardShortcuts({ newChat, search: () => setSearching(true), stop: () => services.controller.stop(store) });
  const actions = useConversationActions(services, sidebar.closeOnMobile);
  const jumpToMessage = useJumpToMessage(services);
  const canShare = conversationId !== null && view.phase === 'ready' && !view.isTemporary && !view.busy;

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
        onSearch={() => setSearching(true)}
        onClose={() => sidebar.setOpen(false)}
        onSettings={() => setDialog('settings')}
        onArchived={() => setDialog('archived')}
        onAdmin={() => setDialog('admin')}
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
          onShare={canShare ? () => setSharing(true) : null}
        />
        {isEmptyDraft ? (
          <NewChatPane key="new" store={store} temporary={temporary} serverAnalytics={serverAnalytics} />
        ) : (
          <ConversationPane key="conversation" store={store} onNewChat={newChat} />
        )}
      </main>
      {searching && (
        <SearchDialog
          onClose={() => setSearching(false)}
          onChoose={(hit) => {
            setSearching(false);
            sidebar.closeOnMobile();
            jumpToMessage(hit.conversation_id, hit.payload.message_id);
          }}
        />
      )}
      {sharing && canShare && <ShareDialog key={store.id} store={store} onClose={() => setSharing(false)} />}
      <ChatDialogs open={dialog} setOpen={setDialog} onNewChat={newChat} onOpenConversation={actions.open} />
    </div>
  );
}
