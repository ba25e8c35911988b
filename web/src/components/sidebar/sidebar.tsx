/**
 * The sidebar: New chat, the chat history (infinite scroll) and the account menu. On desktop it is
 * a column that can be closed; on mobile a drawer over the page, closed by default.
 */
import { useRef } from 'react';
import { useServices } from '../../state/app-services.js';
import { AccountMenu } from '../account/account-menu.js';
import { LogoMark, NewChatIcon, SearchIcon, SidebarIcon } from '../ui/icons.js';
import type { ConversationActions } from './conversation-item.js';
import { ConversationList } from './conversation-list.js';

interface SidebarProps {
  open: boolean;
  activeId: string | null;
  actions: ConversationActions;
  onNewChat: () => void;
  onSearch: () => void;
  onClose: () => void;
  onSettings: () => void;
  onArchived: () => void;
  onAdmin: () => void;
  onSignOut: () => void;
}

export function Sidebar(props: SidebarProps) {
  const { list, user } = useServices();
  const scrollRef = useRef<HTMLDivElement>(null);
  return (
    <aside className="sidebar" data-open={props.open} aria-hidden={!props.open || undefined} inert={!props.open}>
      <div className="sidebar-top">
        <button
          type="button"
          className="icon-button"
          aria-label="Close sidebar"
          data-tooltip="Close sidebar"
          data-tooltip-align="start"
          onClick={props.onClose}
        >
          <SidebarIcon />
        </button>
        <button type="button" className="new-chat-button" aria-label="New chat" onClick={props.onNewChat}>
          <LogoMark size={24} className="new-chat-logo" />
          <span>New chat</span>
          <NewChatIcon size={18} />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label="Search chats"
          aria-keyshortcuts="Control+K Meta+K"
          data-tooltip="Search chats (Ctrl K)"
          data-tooltip-align="end"
          onClick={props.onSearch}
        >
          <SearchIcon />
        </button>
      </div>
      <div className="sidebar-scroll" ref={scrollRef}>
        <ConversationList list={list} activeId={props.activeId} actions={props.actions} scrollRoot={scrollRef} />
      </div>
      <div className="sidebar-bottom">
        <AccountMenu
          user={user}
          onSettings={props.onSettings}
          onArchived={props.onArchived}
          onAdmin={props.onAdmin}
          onSignOut={props.onSignOut}
        />
      </div>
    </aside>
  );
}
