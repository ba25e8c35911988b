/** Settings → Security → Password: current and new password (typed twice); other devices are signed out. */
import { useState } from 'react';
import { changePassword } from '../../api/account-api.js';
import { useAction } from '../../hooks/use-action.js';
import { newPasswordProblem, passwordRuleText } from '../../lib/password-rules.js';
import { Field } from '../ui/field.js';
import { FormMessages } from '../ui/form-messages.js';

interface ChangePasswordFormProps {
  email: string;
  /** After a change (the server has ended every other session). */
  onChanged: () => void;
}

export function ChangePasswordForm({ email, onChanged }: ChangePasswordFormProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  /** An edit makes the last problem stale. */
  const editing = (set: (value: string) => void) => (value: string) => {
    set(value);
    setProblem(null);
  };
  const submit = async () => {
    const found = newPasswordProblem(next, confirmation, email);
    setProblem(found);
    if (found) return;
    const changed = await action.run(async () => {
      await changePassword(current, next);
      return 'Password changed. Your other devices were signed out.';
    });
    if (!changed) return;
    setCurrent('');
    setNext('');
    setConfirmation('');
    onChanged();
  };
  return (
    <form
      className="dialog-form"
      aria-label="Change password"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {/* Lets password managers tie the new password to the account. */}
      <input type="email" value={email} autoComplete="username" readOnly hidden />
      <Field
        compact
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={editing(setCurrent)}
      />
      <Field
        compact
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={editing(setNext)}
        hint={passwordRuleText}
      />
      <Field
        compact
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        value={confirmation}
        onChange={editing(setConfirmation)}
      />
      <FormMessages error={problem ?? action.error} notice={action.notice} />
      <div className="form-actions">
        <button type="submit" className="button button-primary small" disabled={action.busy}>
          {action.busy ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
