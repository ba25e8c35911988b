/**
 * The account button at the bottom of the sidebar: name, then a menu with Archived chats, Settings,
 * Administration (admins only) and Sign out.
 */
import type { SessionUser } from '../../api/auth-api.js';
import { Avatar } from '../ui/avatar.js';
import { ArchiveIcon, SettingsIcon, SignOutIcon, UsersIcon } from '../ui/icons.js';
import { Menu, type MenuItem } from '../ui/menu.js';

interface AccountMenuProps {
  user: SessionUser;
  onSettings: () => void;
  onArchived: () => void;
  onAdmin: () => void;
  onSignOut: () => void;
}

/** Admins carry the "admin" group in their session (the server's `backchat_admin` feature). */
export function isAdmin(user: SessionUser): boolean {
  return user.groups.includes('admin');
}

export function AccountMenu({ user, onSettings, onArchived, onAdmin, onSignOut }: AccountMenuProps) {
  const items: MenuItem[] = [
    { label: 'Archived chats', icon: <ArchiveIcon size={18} />, onSelect: onArchived },
    { label: 'Settings', icon: <SettingsIcon size={18} />, onSelect: onSettings },
    ...(isAdmin(user) ? [{ label: 'Administration', icon: <UsersIcon size={18} />, onSelect: onAdmin }] : []),
    { label: 'Sign out', icon: <SignOutIcon size={18} />, onSelect: onSignOut },
  ];
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
      items={items}
    />
  );
}
