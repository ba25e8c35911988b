/** The admin's user dialogs: "Add user" (email, name, password, role) and "Reset password". */
import { useState } from 'react';
import { type AdminUser, createUser, type Role, resetPassword } from '../../api/admin-api.js';
import { useAction } from '../../hooks/use-action.js';
import { passwordProblem, passwordRuleText } from '../../lib/password-rules.js';
import { Dialog } from '../ui/dialog.js';
import { Field } from '../ui/field.js';
import { FormMessages } from '../ui/form-messages.js';

interface FormDialogProps {
  title: string;
  submitLabel: string;
  busy: boolean;
  error: string | null;
  onSubmit: () => void;
  onClose: () => void;
  children: React.ReactNode;
}

/** A small dialog around one form: its fields, the error, Cancel and the submit button. */
function FormDialog({ title, submitLabel, busy, error, onSubmit, onClose, children }: FormDialogProps) {
  return (
    <Dialog open title={title} onClose={onClose} className="dialog-small">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        <div className="dialog-body dialog-form">
          {children}
          <FormMessages error={error} />
        </div>
        <footer className="dialog-footer">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {submitLabel}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

export function RoleSelect({ value, onChange }: { value: Role; onChange: (role: Role) => void }) {
  return (
    <label className="field compact">
      <span className="field-label">Role</span>
      <select className="select" value={value} onChange={(event) => onChange(event.target.value as Role)}>
        <option value="user">User</option>
        <option value="admin">Admin</option>
      </select>
    </label>
  );
}

interface AddUserDialogProps {
  onClose: () => void;
  onCreated: (user: AdminUser) => void;
}

export function AddUserDialog({ onClose, onCreated }: AddUserDialogProps) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const submit = () => {
    const found = passwordProblem(password, email);
    setProblem(found);
    if (found) return;
    const input = { email: email.trim(), password, role, ...(name.trim() && { name: name.trim() }) };
    void action.run(async () => onCreated(await createUser(input)));
  };
  return (
    <FormDialog
      title="Add user"
      submitLabel={action.busy ? 'Adding…' : 'Add user'}
      busy={action.busy}
      error={problem ?? action.error}
      onSubmit={submit}
      onClose={onClose}
    >
      <Field
        compact
        label="Name"
        type="text"
        autoComplete="off"
        value={name}
        onChange={setName}
        required={false}
        autoFocus
      />
      <Field compact label="Email" type="email" autoComplete="off" value={email} onChange={setEmail} />
      <Field
        compact
        label="Password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        hint={`${passwordRuleText} Share it with them privately.`}
      />
      <RoleSelect value={role} onChange={setRole} />
    </FormDialog>
  );
}

interface ResetPasswordDialogProps {
  user: AdminUser;
  onClose: () => void;
  onReset: () => void;
}

export function ResetPasswordDialog({ user, onClose, onReset }: ResetPasswordDialogProps) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const submit = () => {
    const found = passwordProblem(password, user.email);
    setProblem(found);
    if (found) return;
    void action.run(async () => {
      await resetPassword(user.id, password);
      onReset();
    });
  };
  return (
    <FormDialog
      title="Reset password"
      submitLabel={action.busy ? 'Resetting…' : 'Reset password'}
      busy={action.busy}
      error={problem ?? action.error}
      onSubmit={submit}
      onClose={onClose}
    >
      <p className="dialog-lead">
        Choose a new password for <strong>{user.email}</strong>. They are signed out everywhere and their API tokens
        stop working.
      </p>
      <Field
        compact
        label="New password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        hint={passwordRuleText}
        autoFocus
      />
    </FormDialog>
  );
}
