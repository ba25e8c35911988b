/** Settings → Security: change the password, and see or end the account's signed-in devices. */
import { useId } from 'react';
import { listSessions } from '../../api/account-api.js';
import { useResource } from '../../hooks/use-resource.js';
import { useServices } from '../../state/app-services.js';
import { ChangePasswordForm } from './change-password-form.js';
import { SessionList } from './session-list.js';

export function SecuritySection() {
  const { user } = useServices();
  const sessions = useResource(listSessions);
  const passwordId = useId();
  const devicesId = useId();
  return (
    <div className="settings-body">
      <section className="settings-section" aria-labelledby={passwordId}>
        <h3 id={passwordId}>Password</h3>
        <ChangePasswordForm email={user.email} onChanged={() => void sessions.reload()} />
      </section>
      <section className="settings-section" aria-labelledby={devicesId}>
        <h3 id={devicesId}>Signed-in devices</h3>
        <SessionList sessions={sessions} />
      </section>
    </div>
  );
}
