/**
 * The dialogs of the chat page: Settings (with the bulk actions), Archived chats and Administration
 * (admins only; its code is loaded when it is first opened).
 */
import { lazy, Suspense } from 'react';
import { archiveAllConversations, hideAllConversations } from '../../api/backend-api.js';
import { useServices } from '../../state/app-services.js';
import { isAdmin } from '../account/account-menu.js';
import { ArchivedDialog } from './archived-dialog.js';
import { SettingsDialog } from './settings-dialog.js';

const AdminDialog = lazy(() => import('../admin/admin-dialog.js').then((module) => ({ default: module.AdminDialog })));

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
      {isAdmin(services.user) && open === 'admin' && (
        <Suspense fallback={null}>
          <AdminDialog open onClose={() => setOpen(null)} />
        </Suspense>
      )}
    </>
  );
}
