/**
 * Administration → Users: every account (email, name, role, status, models, created) with a menu per
 * user — change role, model access, reset password, disable / enable — and "Add user". The server's
 * refusals (409 "last admin") are shown with its own words.
 */
import { useState } from 'react';
import { type AdminUser, listUsers, type UserPatch, updateUser } from '../../api/admin-api.js';
import { useAction } from '../../hooks/use-action.js';
import { useResource } from '../../hooks/use-resource.js';
import { formatDate } from '../../lib/relative-time.js';
import { useServices } from '../../state/app-services.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';
import { DotsIcon, UserPlusIcon } from '../ui/icons.js';
import { Menu } from '../ui/menu.js';
import { ModelAccessDialog } from './model-access-dialog.js';
import { AddUserDialog, ResetPasswordDialog } from './user-dialogs.js';

type Open = { dialog: 'add' } | { dialog: 'password' | 'models' | 'disable'; user: AdminUser } | null;

function modelAccessText(access: readonly string[] | null): string {
  if (access === null) return 'All models';
  return access.length === 1 ? '1 model' : `${access.length} models`;
}

interface RowProps {
  user: AdminUser;
  isSelf: boolean;
  onPatch: (patch: UserPatch, notice: string) => void;
  onOpen: (dialog: 'password' | 'models' | 'disable') => void;
}

function UserActions({ user, onPatch, onOpen }: Omit<RowProps, 'isSelf'>) {
  const makeAdmin = user.role !== 'admin';
  return (
    <Menu
      placement="bottom-end"
      trigger={(props) => (
        <button type="button" className="icon-button small" aria-label={`Actions for ${user.email}`} {...props}>
          <DotsIcon size={18} />
        </button>
      )}
      items={[
        {
          label: makeAdmin ? 'Make admin' : 'Make regular user',
          onSelect: () =>
            onPatch(
              { role: makeAdmin ? 'admin' : 'user' },
              `${user.email} is now ${makeAdmin ? 'an admin' : 'a regular user'}.`,
            ),
        },
        { label: 'Model access…', onSelect: () => onOpen('models') },
        { label: 'Reset password…', onSelect: () => onOpen('password') },
        user.disabled
          ? {
              label: 'Enable account',
              onSelect: () => onPatch({ disabled: false }, `${user.email} can sign in again.`),
            }
          : { label: 'Disable account…', danger: true, onSelect: () => onOpen('disable') },
      ]}
    />
  );
}

function UserRow({ user, isSelf, onPatch, onOpen }: RowProps) {
  const models = modelAccessText(user.model_access);
  return (
    <tr data-user-id={user.id} data-disabled={user.disabled || undefined}>
      <td className="user-cell">
        <span className="user-name">
          {user.name || user.email.split('@')[0]}
          {isSelf && <span className="badge badge-muted">You</span>}
        </span>
        <span className="user-email">{user.email}</span>
        <span className="user-extra">
          {user.role === 'admin' ? 'Admin' : 'User'} · {models}
        </span>
      </td>
      <td className="col-role">{user.role === 'admin' ? 'Admin' : 'User'}</td>
      <td>
        <span className={`pill ${user.disabled ? 'pill-off' : 'pill-ok'}`}>
          {user.disabled ? 'Disabled' : 'Active'}
        </span>
      </td>
      <td className="col-models" title={user.model_access?.join(', ')}>
        {models}
      </td>
      <td className="col-created">{formatDate(user.created_at)}</td>
      <td className="col-actions">
        <UserActions user={user} onPatch={onPatch} onOpen={onOpen} />
      </td>
    </tr>
  );
}

export function UsersSection() {
  const { user: me } = useServices();
  const users = useResource(listUsers);
  const [open, setOpen] = useState<Open>(null);
  const action = useAction();
  const close = () => setOpen(null);
  const done = (notice: string) => {
    close();
    void action.run(async () => {
      await users.reload();
      return notice;
    });
  };
  const patch = (user: AdminUser, change: UserPatch, notice: string) =>
    void action.run(async () => {
      await updateUser(user.id, change);
      await users.reload();
      return notice;
    });
  return (
    <div className="settings-body">
      <div className="section-intro">
        <p>Everyone with an account on this server. Disabling an account signs it out everywhere at once.</p>
        <button type="button" className="button button-primary small" onClick={() => setOpen({ dialog: 'add' })}>
          <UserPlusIcon size={16} />
          Add user
        </button>
      </div>
      <FormMessages error={action.error ?? users.error} notice={action.notice} />
      {users.loading && !users.data && <span className="spinner" role="status" aria-label="Loading users" />}
      <table className="admin-table users-table" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col" className="col-role">
              Role
            </th>
            <th scope="col">Status</th>
            <th scope="col" className="col-models">
              Models
            </th>
            <th scope="col" className="col-created">
              Created
            </th>
            <th scope="col" className="col-actions">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((user) => (
            <UserRow
              key={user.id}
              user={user}
              isSelf={user.id === me.id}
              onPatch={(change, notice) => patch(user, change, notice)}
              onOpen={(dialog) => setOpen({ dialog, user })}
            />
          ))}
        </tbody>
      </table>
      {open?.dialog === 'add' && <AddUserDialog onClose={close} onCreated={(user) => done(`Added ${user.email}.`)} />}
      {open?.dialog === 'password' && (
        <ResetPasswordDialog
          user={open.user}
          onClose={close}
          onReset={() => done(`Password reset for ${open.user.email}. They were signed out everywhere.`)}
        />
      )}
      {open?.dialog === 'models' && (
        <ModelAccessDialog
          user={open.user}
          onClose={close}
          onSaved={() => done(`Model access saved for ${open.user.email}.`)}
        />
      )}
      <ConfirmDialog
        open={open?.dialog === 'disable'}
        title="Disable this account?"
        confirmLabel="Disable"
        danger
        onCancel={close}
        onConfirm={() => {
          if (open?.dialog !== 'disable') return;
          close();
          patch(open.user, { disabled: true }, `${open.user.email} was disabled and signed out everywhere.`);
        }}
      >
        <p>
          {open?.dialog === 'disable' ? open.user.email : 'This user'} is signed out everywhere at once, and their API
          tokens stop working. You can enable the account again later.
        </p>
      </ConfirmDialog>
    </div>
  );
}
