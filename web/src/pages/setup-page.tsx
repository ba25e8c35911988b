/** First run: no account exists yet, so the first one — the administrator — is created here. */
import { useState } from 'react';
import { Field } from '../components/ui/field.js';
import { FormMessages } from '../components/ui/form-messages.js';
import { useAction } from '../hooks/use-action.js';
import { minPasswordLength, passwordRuleText } from '../lib/password-rules.js';
import { sessionStore } from '../state/session-store.js';
import { AuthLayout } from './auth-layout.js';

export function SetupPage() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  return (
    <AuthLayout
      title="Create the admin account"
      subtitle="This backchat server has no accounts yet. The first account becomes its administrator."
    >
      <form
        className="auth-form"
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(() => sessionStore.createAdmin(name, email, password));
        }}
      >
        <Field label="Name" type="text" autoComplete="name" value={name} onChange={setName} autoFocus />
        <Field label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          minLength={minPasswordLength}
          hint={passwordRuleText}
        />
        <FormMessages error={action.error} />
        <button type="submit" className="button button-primary button-block" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </AuthLayout>
  );
}
