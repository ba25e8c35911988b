/**
 * The bar above the chat: sidebar and new-chat buttons (when the sidebar is closed or on mobile),
 * the model picker, on a new chat the "Temporary chat" switch, and on a saved conversation "Share".
 */

import { useSyncExternalStore } from 'react';
import { useServices } from '../../state/app-services.js';
import { ModelPicker } from '../new-chat/model-picker.js';
import { GhostIcon, MenuIcon, NewChatIcon, ShareIcon, SidebarIcon } from '../ui/icons.js';
import { Switch } from '../ui/switch.js';

interface ChatHeaderProps {
  mobile: boolean;
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  onNewChat: () => void;
  /** Shown only on a new chat; null hides the switch. */
  temporary: { value: boolean; set: (value: boolean) => void } | null;
  /** The open conversation is a temporary chat. */
  inTemporaryChat: boolean;
  /** Opens the share dialog; null when the chat on screen cannot be shared (yet). */
  onShare: (() => void) | null;
}

export function ChatHeader(props: ChatHeaderProps) {
  const { mobile, sidebarOpen, onOpenSidebar, onNewChat, temporary, inTemporaryChat, onShare } = props;
  const { models } = useServices();
  const modelView = useSyncExternalStore(models.subscribe, models.getView);
  const showSidebarButtons = mobile || !sidebarOpen;
  return (
    <header className="chat-header">
      <div className="chat-header-start">
        {showSidebarButtons && (
          <button
            type="button"
            className="icon-button"
            aria-label="Open sidebar"
            data-tooltip="Open sidebar"
            data-tooltip-align="start"
            onClick={onOpenSidebar}
          >
            {mobile ? <MenuIcon /> : <SidebarIcon />}
          </button>
        )}
        {showSidebarButtons && !mobile && (
          <button
            type="button"
            className="icon-button"
            aria-label="New chat"
            data-tooltip="New chat"
            onClick={onNewChat}
          >
            <NewChatIcon />
          </button>
        )}
        <ModelPicker models={models} slug={modelView.selected} compact={mobile} />
      </div>
      <div className="chat-header-end">
        {inTemporaryChat && (
          <span className="temporary-pill">
            <GhostIcon size={16} />
            {!mobile && 'Temporary chat'}
          </span>
        )}
        {temporary && (
          <Switch
            className="temporary-switch"
            label="Temporary chat"
            showLabel={!mobile}
            icon={mobile ? <GhostIcon /> : undefined}
            checked={temporary.value}
            onChange={temporary.set}
          />
        )}
        {onShare && (
          <button
            type="button"
            className={mobile ? 'icon-button' : 'button button-secondary small share-button'}
            aria-label="Share"
            data-tooltip={mobile ? 'Share' : undefined}
            onClick={onShare}
          >
            <ShareIcon size={mobile ? 20 : 16} />
            {!mobile && 'Share'}
          </button>
        )}
        {mobile && (
          <button type="button" className="icon-button" aria-label="New chat" onClick={onNewChat}>
            <NewChatIcon />
          </button>
        )}
      </div>
    </header>
  );
}
