/**
 * Settings → Security → devices: every signed-in session of the caller in human words ("Chrome on
 * Linux", when it signed in, when it was last active), "This device" on the current one, "Sign out"
 * on the others, and "Sign out of all other devices".
 */
import { useState } from 'react';
import { type AccountSession, endOtherSessions, endSession } from '../../api/account-api.js';
import { useAction } from '../../hooks/use-action.js';
import type { Resource } from '../../hooks/use-resource.js';
import { formatDate, timeFromNow } from '../../lib/relative-time.js';
import { describeUserAgent, isMobileUserAgent } from '../../lib/user-agent.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';
import { LaptopIcon, PhoneIcon } from '../ui/icons.js';

function lastActive(session: AccountSession, now: Date): string {
  if (session.current) return 'Active now';
  return `Last active ${timeFromNow(session.last_used_at ?? session.created_at, now)}`;
}

function SessionRow({ session, busy, onEnd }: { session: AccountSession; busy: boolean; onEnd: () => void }) {
  const device = describeUserAgent(session.user_agent);
  const now = new Date();
  return (
    <li className="credential-item" data-session-id={session.id} data-current={session.current || undefined}>
      <span className="credential-icon">
        {isMobileUserAgent(session.user_agent) ? <PhoneIcon size={20} /> : <LaptopIcon size={20} />}
      </span>
      <div className="credential-text">
        <span className="credential-title">
          {device}
          {session.current && <span className="badge badge-current">This device</span>}
        </span>
        <span className="credential-meta">
          Signed in {formatDate(session.created_at)} · {lastActive(session, now)}
        </span>
      </div>
      {!session.current && (
        <button
          type="button"
          className="button button-secondary small"
          aria-label={`Sign out ${device}, signed in ${formatDate(session.created_at)}`}
          disabled={busy}
          onClick={onEnd}
        >
          Sign out
        </button>
      )}
    </li>
  );
}

export function SessionList({ sessions }: { sessions: Resource<AccountSession[]> }) {
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const items = sessions.data ?? [];
  const others = items.filter((session) => !session.current).length;
  const end = (id: string) =>
    void action.run(async () => {
      await endSession(id);
      await sessions.reload();
      return 'Signed out of that device.';
    });
  const endOthers = () => {
    setConfirming(false);
    void action.run(async () => {
      const count = await endOtherSessions();
      await sessions.reload();
      return count === 1 ? 'Signed out of 1 other device.' : `Signed out of ${count} other devices.`;
    });
  };
  return (
    <>
      {sessions.loading && !sessions.data && <span className="spinner" role="status" aria-label="Loading devices" />}
      <FormMessages error={sessions.error} />
      <ul className="credential-list" aria-label="Signed-in devices">
        {items.map((session) => (
          <SessionRow key={session.id} session={session} busy={action.busy} onEnd={() => end(session.id)} />
        ))}
      </ul>
      <FormMessages error={action.error} notice={action.notice} />
      <div className="form-actions">
        <button
          type="button"
          className="button button-secondary small"
          disabled={action.busy || others === 0}
          onClick={() => setConfirming(true)}
        >
          Sign out of all other devices
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Sign out of all other devices?"
        confirmLabel="Sign out"
        danger
        onCancel={() => setConfirming(false)}
        onConfirm={endOthers}
      >
        <p>
          Every other browser and app signed in to your account is signed out at once. This device stays signed in. API
          tokens keep working; revoke them under API tokens.
        </p>
      </ConfirmDialog>
    </>
  );
}
