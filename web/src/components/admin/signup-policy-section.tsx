/** Administration → Sign-up: who may create an account (open, invite only, closed), saved at once. */
import { useEffect, useId, useState } from 'react';
import { getSignupPolicy, setSignupPolicy } from '../../api/admin-api.js';
import type { SignupPolicy } from '../../api/auth-api.js';
import { useAction } from '../../hooks/use-action.js';
import { useResource } from '../../hooks/use-resource.js';
import { FormMessages } from '../ui/form-messages.js';

const policies: ReadonlyArray<{ value: SignupPolicy; title: string; hint: string }> = [
  {
    value: 'open',
    title: 'Open',
    hint: 'Anyone who can reach this server can create an account from the sign-in page.',
  },
  { value: 'invite', title: 'Invite only', hint: 'People need an invite link from an admin to create an account.' },
  { value: 'closed', title: 'Closed', hint: 'Nobody can sign up. Admins add accounts under Users.' },
];

export function SignupPolicySection() {
  const saved = useResource(getSignupPolicy);
  const [policy, setPolicy] = useState<SignupPolicy | null>(null);
  const action = useAction();
  const name = useId();
  useEffect(() => {
    if (saved.data) setPolicy(saved.data);
  }, [saved.data]);
  const choose = (next: SignupPolicy) => {
    const previous = policy;
    setPolicy(next);
    void action
      .run(async () => {
        setPolicy(await setSignupPolicy(next));
        return 'Saved.';
      })
      .then((ok) => {
        if (!ok) setPolicy(previous);
      });
  };
  return (
    <div className="settings-body">
      <div className="section-intro">
        <p>Who can create an account on this server. Existing accounts are not affected.</p>
      </div>
      {saved.loading && !saved.data && <span className="spinner" role="status" aria-label="Loading" />}
      <div role="radiogroup" aria-label="Sign-up policy" className="choice-list">
        {policies.map((option) => (
          <label key={option.value} className="choice-card">
            <input
              className="choice-input"
              type="radio"
              name={name}
              value={option.value}
              checked={policy === option.value}
              disabled={policy === null || action.busy}
              onChange={() => choose(option.value)}
            />
            <span className="choice-text">
              <span className="choice-title">{option.title}</span>
              <span className="choice-hint">{option.hint}</span>
            </span>
          </label>
        ))}
      </div>
      <FormMessages error={saved.error ?? action.error} notice={action.notice} />
    </div>
  );
}
