/** Administration (admins only): Users, Invites and the sign-up policy, in tabs like Settings. */
import { useIsMobile } from '../../hooks/use-media-query.js';
import { Dialog } from '../ui/dialog.js';
import { MailIcon, UserPlusIcon, UsersIcon } from '../ui/icons.js';
import { type TabItem, Tabs } from '../ui/tabs.js';
import { InvitesSection } from './invites-section.js';
import { SignupPolicySection } from './signup-policy-section.js';
import { UsersSection } from './users-section.js';

const tabs: TabItem[] = [
  { id: 'users', label: 'Users', icon: <UsersIcon size={18} />, render: () => <UsersSection /> },
  { id: 'invites', label: 'Invites', icon: <MailIcon size={18} />, render: () => <InvitesSection /> },
  { id: 'signup', label: 'Sign-up', icon: <UserPlusIcon size={18} />, render: () => <SignupPolicySection /> },
];

export function AdminDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const mobile = useIsMobile();
  return (
    <Dialog open={open} title="Administration" onClose={onClose} className="tabbed-dialog admin-dialog">
      <Tabs tabs={tabs} label="Administration sections" orientation={mobile ? 'horizontal' : 'vertical'} />
    </Dialog>
  );
}
