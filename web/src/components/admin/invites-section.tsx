/**
 * Administration → Invites: create a one-time link (optionally for one email, with a role and an
 * expiry) whose full URL is shown once with Copy; the list with used / expired / pending; revoke.
 */
import { useState } from 'react';
import {
  type CreatedInvite,
  createInvite,
  type Invite,
  listInvites,
  type Role,
  revokeInvite,
} from '../../api/admin-api.js';
import { useAction } from '../../hooks/use-action.js';
import { useResource } from '../../hooks/use-resource.js';
import { inviteExpiryChoices, inviteStatus, inviteUrl } from '../../lib/invite-status.js';
import { formatDate, timeFromNow } from '../../lib/relative-time.js';
import { CopyField } from '../ui/copy-field.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { Field } from '../ui/field.js';
import { FormMessages } from '../ui/form-messages.js';
import { AlertIcon, MailIcon, TrashIcon } from '../ui/icons.js';
import { RoleSelect } from './user-dialogs.js';

const statusPill = { pending: 'pill-warn', used: 'pill-ok', expired: '' } as const;
const statusLabel = { pending: 'Pending', used: 'Used', expired: 'Expired' } as const;

function inviteMeta(invite: Invite, now: Date): string {
  const created = `Created ${formatDate(invite.created_at)}`;
  switch (inviteStatus(invite, now)) {
    case 'used':
      return `${created} · Used ${formatDate(invite.used_at)}`;
    case 'expired':
      return `${created} · Expired ${formatDate(invite.expires_at)}`;
    case 'pending':
      return `${created} · Expires ${timeFromNow(invite.expires_at, now)}`;
  }
}

function InviteRow({ invite, onRevoke }: { invite: Invite; onRevoke: () => void }) {
  const now = new Date();
  const status = inviteStatus(invite, now);
  const who = invite.email ?? 'Anyone with the link';
  return (
    <li className="credential-item" data-invite-id={invite.id} data-status={status}>
      <span className="credential-icon">
        <MailIcon size={20} />
      </span>
      <div className="credential-text">
        <span className="credential-title">
          {who}
          {invite.role === 'admin' && <span className="badge badge-muted">Admin</span>}
        </span>
        <span className="credential-meta">{inviteMeta(invite, now)}</span>
      </div>
      <span className={`pill ${statusPill[status]}`}>{statusLabel[status]}</span>
      <button
        type="button"
        className="icon-button small danger"
        aria-label={`Revoke invite for ${who}`}
        data-tooltip="Revoke"
        disabled={status !== 'pending'}
        onClick={onRevoke}
      >
        <TrashIcon size={16} />
      </button>
    </li>
  );
}

function CreateInviteForm({ onCreated }: { onCreated: (invite: CreatedInvite) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [hours, setHours] = useState(168);
  const action = useAction();
  const submit = () =>
    void action.run(async () => {
      const input = { role, expires_in_hours: hours, ...(email.trim() && { email: email.trim() }) };
      onCreated(await createInvite(input));
      setEmail('');
    });
  return (
    <form
      className="invite-form"
      aria-label="Create invite"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <div className="invite-fields">
        <Field
          compact
          label="Email (optional)"
          type="email"
          autoComplete="off"
          placeholder="Anyone with the link"
          value={email}
          onChange={setEmail}
          required={false}
        />
        <RoleSelect value={role} onChange={setRole} />
        <label className="field compact">
          <span className="field-label">Expires after</span>
          <select className="select" value={hours} onChange={(event) => setHours(Number(event.target.value))}>
            {inviteExpiryChoices.map((choice) => (
              <option key={choice.hours} value={choice.hours}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FormMessages error={action.error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary small" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create invite link'}
        </button>
      </div>
    </form>
  );
}

function NewInviteLink({ invite }: { invite: CreatedInvite }) {
  return (
    <div className="new-secret">
      <p className="callout callout-warning" role="status">
        <AlertIcon size={18} />
        <span>
          Invite link created{invite.email ? ` for ${invite.email}` : ''}. Copy it now: it is shown only once and works
          for one sign-up.
        </span>
      </p>
      <CopyField value={inviteUrl(window.location.origin, invite.token)} label="Invite link" />
    </div>
  );
}

export function InvitesSection() {
  const invites = useResource(listInvites);
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [revoking, setRevoking] = useState<Invite | null>(null);
  const action = useAction();
  const revoke = (invite: Invite) => {
    setRevoking(null);
    void action.run(async () => {
      await revokeInvite(invite.id);
      await invites.reload();
      return 'Invite revoked.';
    });
  };
  const items = invites.data ?? [];
  return (
    <div className="settings-body">
      <section className="settings-section" aria-label="New invite">
        <h3>Invite someone</h3>
        <CreateInviteForm
          onCreated={(invite) => {
            setCreated(invite);
            void invites.reload();
          }}
        />
        {created && <NewInviteLink invite={created} />}
      </section>
      <section className="settings-section" aria-label="Invites">
        <h3>Invites</h3>
        {invites.loading && !invites.data && <span className="spinner" role="status" aria-label="Loading invites" />}
        <FormMessages error={invites.error ?? action.error} notice={action.notice} />
        {invites.data && items.length === 0 && <p className="empty-note">No invites yet.</p>}
        <ul className="credential-list" aria-label="Invites">
          {items.map((invite) => (
            <InviteRow key={invite.id} invite={invite} onRevoke={() => setRevoking(invite)} />
          ))}
        </ul>
      </section>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke invite?"
        confirmLabel="Revoke"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke(revoking)}
      >
        <p>The link stops working at once. Anyone who has it can no longer sign up with it.</p>
      </ConfirmDialog>
    </div>
  );
}
