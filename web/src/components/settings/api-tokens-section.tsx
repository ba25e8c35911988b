/**
 * Settings → API tokens: the caller's personal access tokens (name, `bc_pat_abcd…`, created,
 * expires, last used), "Create token", and Revoke (confirmed first; it stops working at once).
 */
import { useState } from 'react';
import { type AccessToken, listTokens, revokeToken } from '../../api/account-api.js';
import { useAction } from '../../hooks/use-action.js';
import { useResource } from '../../hooks/use-resource.js';
import { formatDate, timeFromNow } from '../../lib/relative-time.js';
import { tokenExpiryText, tokenPreview } from '../../lib/token-labels.js';
import { ConfirmDialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';
import { KeyIcon, PlusIcon, TrashIcon } from '../ui/icons.js';
import { CreateTokenDialog } from './create-token-dialog.js';

function TokenRow({ token, onRevoke }: { token: AccessToken; onRevoke: () => void }) {
  const now = new Date();
  const expiry = tokenExpiryText(token.expires_at, now);
  return (
    <li className="credential-item" data-token-id={token.id}>
      <span className="credential-icon">
        <KeyIcon size={20} />
      </span>
      <div className="credential-text">
        <span className="credential-title">
          {token.name}
          {expiry === 'Expired' && <span className="badge badge-muted">Expired</span>}
        </span>
        <span className="credential-meta">
          <code className="token-prefix">{tokenPreview(token.prefix)}</code>
          {' · '}Created {formatDate(token.created_at)}
          {expiry !== 'Expired' && ` · Expires ${expiry === 'Never' ? 'never' : expiry}`}
          {' · '}
          {token.last_used_at ? `Last used ${timeFromNow(token.last_used_at, now)}` : 'Never used'}
        </span>
      </div>
      <button
        type="button"
        className="icon-button small danger"
        aria-label={`Revoke ${token.name}`}
        data-tooltip="Revoke"
        onClick={onRevoke}
      >
        <TrashIcon size={16} />
      </button>
    </li>
  );
}

export function ApiTokensSection() {
  const tokens = useResource(listTokens);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AccessToken | null>(null);
  const action = useAction();
  const revoke = (token: AccessToken) => {
    setRevoking(null);
    void action.run(async () => {
      await revokeToken(token.id);
      await tokens.reload();
      return `“${token.name}” was revoked.`;
    });
  };
  const items = tokens.data ?? [];
  return (
    <div className="settings-body">
      <div className="section-intro">
        <p>
          Personal access tokens let scripts and other apps use the backchat API as you. Send one as{' '}
          <code>Authorization: Bearer …</code>. A token cannot change your password, devices or tokens.
        </p>
        <button type="button" className="button button-primary small" onClick={() => setCreating(true)}>
          <PlusIcon size={16} />
          Create token
        </button>
      </div>
      {tokens.loading && !tokens.data && <span className="spinner" role="status" aria-label="Loading tokens" />}
      <FormMessages error={tokens.error} />
      {tokens.data && items.length === 0 && <p className="empty-note">You have no API tokens.</p>}
      <ul className="credential-list" aria-label="API tokens">
        {items.map((token) => (
          <TokenRow key={token.id} token={token} onRevoke={() => setRevoking(token)} />
        ))}
      </ul>
      <FormMessages error={action.error} notice={action.notice} />
      <CreateTokenDialog open={creating} onClose={() => setCreating(false)} onCreated={() => void tokens.reload()} />
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke API token?"
        confirmLabel="Revoke"
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke(revoking)}
      >
        <p>
          “{revoking?.name}” stops working immediately: scripts and apps using it will be refused. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
