/**
 * The sign-up form (`POST /api/auth/signup`), for open sign-up and for invite links: name, email
 * (fixed when the invite names one), and a password with its rules shown before anyone types.
 */
import { useState } from 'react';
import { Field } from '../components/ui/field.js';
import { FormMessages } from '../components/ui/form-messages.js';
import { useAction } from '../hooks/use-action.js';
import { passwordProblem, passwordRuleText } from '../lib/password-rules.js';
import { sessionStore } from '../state/session-store.js';

interface SignUpFormProps {
  /** The invite link's token, and the email it is for (null: anyone with the link). */
  invite?: { token: string; email: string | null };
}

export function SignUpForm({ invite }: SignUpFormProps) {
  const fixedEmail = invite?.email ?? null;
  const [name, setName] = useState('');
  const [email, setEmail] = useState(fixedEmail ?? '');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  /** An edit makes the last error stale. */
  const editing = (set: (value: string) => void) => (value: string) => {
    set(value);
    setProblem(null);
    action.clear();
  };
  const submit = () => {
    const found = passwordProblem(password, email);
    setProblem(found);
    if (found) return;
    const input = { email: email.trim(), password, ...(name.trim() && { name: name.trim() }) };
    void action.run(() => sessionStore.signUp(invite ? { ...input, invite: invite.token } : input));
  };
  return (
    <form
      className="auth-form"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Field
        label="Name"
        type="text"
        autoComplete="name"
        value={name}
        onChange={editing(setName)}
        required={false}
        autoFocus
      />
      <Field
        label="Email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={editing(setEmail)}
        readOnly={fixedEmail !== null}
        hint={fixedEmail !== null ? 'This invite is for this address.' : undefined}
      />
      <Field
        label="Password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={editing(setPassword)}
        hint={passwordRuleText}
      />
      <FormMessages error={problem ?? action.error} />
      <button type="submit" className="button button-primary button-block" disabled={action.busy}>
        {action.busy ? 'Creating account…' : 'Create account'}
      </button>
    </form>
  );
}
