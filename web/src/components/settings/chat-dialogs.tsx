/** The dialogs of the chat page: Settings (with the bulk actions), Archived chats and Administration. */
import { archiveAllConversations, hideAllConversations } from '../../api/backend-api.js';
import { useServices } from '../../state/app-services.js';
import { isAdmin } from '../account/account-menu.js';
import { AdminDialog } from '../admin/admin-dialog.js';
import { ArchivedDialog } from './archived-dialog.js';
import { SettingsDialog } from './settings-dialog.js';

export type OpenDialog = 'settings' | 'archived' | 'admin' | null;

interface ChatDialogsProps {
  open: OpenDialog;
  setOpen: (dialog: OpenDialog) => void;
  onNewChat: () => void;
  onOpenConversation: (id: string) => void;
}

export function ChatDialogs({ open, setOpen, onNewChat, onOpenConversation }: ChatDialogsProps) {
  const services = useServices();
  return (
    <>
      <SettingsDialog
        open={open === 'settings'}
        onClose={() => setOpen(null)}
        onManageArchived={() => setOpen('archived')}
        onArchiveAll={async () => {
          await archiveAllConversations();
          services.list.clear();
          onNewChat();
        }}
        onDeleteAll={async () => {
          await hideAllConversations();
          services.list.clear();
          services.registry.clear();
          onNewChat();
        }}
      />
      <ArchivedDialog
        open={open === 'archived'}
        onClose={() => setOpen(null)}
        onOpenConversation={(id) => {
          setOpen(null);
          onOpenConversation(id);
        }}
        onUnarchived={(item) => services.list.prepend({ ...item, animateTitle: false })}
      />
      {isAdmin(services.user) && <AdminDialog open={open === 'admin'} onClose={() => setOpen(null)} />}
    </>
  );
}
