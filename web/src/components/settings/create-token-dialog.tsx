/**
 * "Create API token": a name and an expiry, then the new token shown exactly once with a Copy
 * button and a warning (the server stores only its hash).
 */
import { useState } from 'react';
import { type CreatedToken, createToken } from '../../api/account-api.js';
import { useAction } from '../../hooks/use-action.js';
import { tokenExpiryChoices } from '../../lib/token-labels.js';
import { CopyField } from '../ui/copy-field.js';
import { Dialog } from '../ui/dialog.js';
import { Field } from '../ui/field.js';
import { FormMessages } from '../ui/form-messages.js';
import { AlertIcon } from '../ui/icons.js';

interface CreateTokenDialogProps {
  open: boolean;
  onClose: () => void;
  /** A token was created (the list should show it). */
  onCreated: () => void;
}

const defaultExpiry = '30';

function CreateTokenForm({ onCreated, onCancel }: { onCreated: (token: CreatedToken) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState(defaultExpiry);
  const action = useAction();
  const submit = () =>
    void action.run(async () => {
      onCreated(await createToken(name.trim(), expiry === 'never' ? null : Number(expiry)));
    });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <div className="dialog-body dialog-form">
        <Field
          compact
          label="Name"
          type="text"
          autoComplete="off"
          placeholder="e.g. Laptop scripts"
          maxLength={100}
          value={name}
          onChange={setName}
          hint="Something to recognise it by later."
          autoFocus
        />
        <label className="field compact">
          <span className="field-label">Expiration</span>
          <select className="select" value={expiry} onChange={(event) => setExpiry(event.target.value)}>
            {tokenExpiryChoices.map((choice) => (
              <option key={choice.label} value={choice.days === null ? 'never' : String(choice.days)}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <FormMessages error={action.error} />
      </div>
      <footer className="dialog-footer">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={action.busy || name.trim() === ''}>
          {action.busy ? 'Creating…' : 'Create token'}
        </button>
      </footer>
    </form>
  );
}

function NewToken({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  return (
    <>
      <div className="dialog-body dialog-form">
        <p className="callout callout-warning" role="status">
          <AlertIcon size={18} />
          <span>Copy this token now. For your security, it won’t be shown again.</span>
        </p>
        <CopyField value={token.token} label={`API token ${token.name}`} />
        <p className="muted small-print">
          Send it as <code>Authorization: Bearer {token.prefix}…</code> — it acts as you on the chat API, but cannot
          manage your account.
        </p>
      </div>
      <footer className="dialog-footer">
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </footer>
    </>
  );
}

export function CreateTokenDialog({ open, onClose, onCreated }: CreateTokenDialogProps) {
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const close = () => {
    setCreated(null);
    onClose();
  };
  return (
    <Dialog
      open={open}
      title={created ? 'Save your API token' : 'Create API token'}
      onClose={close}
      className="dialog-small"
    >
      {created ? (
        <NewToken token={created} onDone={close} />
      ) : (
        <CreateTokenForm
          onCancel={close}
          onCreated={(token) => {
            setCreated(token);
            onCreated();
          }}
        />
      )}
    </Dialog>
  );
}
