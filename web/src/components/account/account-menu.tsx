/** The account button at the bottom of the sidebar: name, then a menu with Settings and Sign out. */
import type { SessionUser } from '../../api/auth-api.js';
import { Avatar } from '../ui/avatar.js';
import { ArchiveIcon, SettingsIcon, SignOutIcon } from '../ui/icons.js';
import { Menu } from '../ui/menu.js';

interface AccountMenuProps {
  user: SessionUser;
  onSettings: () => void;
  onArchived: () => void;
  onSignOut: () => void;
}

export function AccountMenu({ user, onSettings, onArchived, onSignOut }: AccountMenuProps) {
  return (
    <Menu
      placement="top-start"
      className="account-menu"
      header={
        <div className="menu-account-header">
          <span className="menu-account-name">{user.name || user.email}</span>
          <span className="menu-account-email">{user.email}</span>
        </div>
      }
      trigger={(props) => (
        <button type="button" className="account-button" aria-label="Account" {...props}>
          <Avatar name={user.name || user.email} image={user.image} size={32} />
          <span className="account-name">{user.name || user.email}</span>
        </button>
      )}
      items={[
        { label: 'Archived chats', icon: <ArchiveIcon size={18} />, onSelect: onArchived },
        { label: 'Settings', icon: <SettingsIcon size={18} />, onSelect: onSettings },
        { label: 'Sign out', icon: <SignOutIcon size={18} />, onSelect: onSignOut },
      ]}
    />
  );
}
