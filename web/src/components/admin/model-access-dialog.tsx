/**
 * Which models one user may use: every model (also ones added later), or only the chosen ones
 * (`model_access`: null or a list of slugs). The choices are this server's `/backend-api/models`,
 * plus any slug the user already has that the server no longer lists.
 */
import { useId, useState } from 'react';
import { type AdminUser, updateUser } from '../../api/admin-api.js';
import { listModels, type WireModel } from '../../api/backend-api.js';
import { useAction } from '../../hooks/use-action.js';
import { useResource } from '../../hooks/use-resource.js';
import { Dialog } from '../ui/dialog.js';
import { FormMessages } from '../ui/form-messages.js';

interface ModelAccessDialogProps {
  user: AdminUser;
  onClose: () => void;
  onSaved: () => void;
}

interface Choice {
  slug: string;
  title: string;
}

function choicesOf(models: readonly WireModel[], granted: readonly string[]): Choice[] {
  const known = models.map((model) => ({ slug: model.slug, title: model.title }));
  const unknown = granted.filter((slug) => !models.some((model) => model.slug === slug));
  return [...known, ...unknown.map((slug) => ({ slug, title: `${slug} (not configured)` }))];
}

export function ModelAccessDialog({ user, onClose, onSaved }: ModelAccessDialogProps) {
  const models = useResource(listModels);
  const [all, setAll] = useState(user.model_access === null);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set(user.model_access ?? []));
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const name = useId();
  const choices = choicesOf(models.data ?? [], user.model_access ?? []);
  const toggle = (slug: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(slug);
    else next.delete(slug);
    setPicked(next);
  };
  const save = () => {
    const access = all ? null : choices.map((choice) => choice.slug).filter((slug) => picked.has(slug));
    setProblem(access?.length === 0 ? 'Choose at least one model, or allow all models.' : null);
    if (access?.length === 0) return;
    void action.run(async () => {
      await updateUser(user.id, { model_access: access });
      onSaved();
    });
  };
  return (
    <Dialog open title="Model access" onClose={onClose} className="dialog-small">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <div className="dialog-body dialog-form">
          <p className="dialog-lead">
            Models <strong>{user.email}</strong> can chat with.
          </p>
          <div role="radiogroup" aria-label="Model access" className="choice-list">
            <label className="choice-card">
              <input className="choice-input" type="radio" name={name} checked={all} onChange={() => setAll(true)} />
              <span className="choice-text">
                <span className="choice-title">All models</span>
                <span className="choice-hint">Every model on this server, including ones added later.</span>
              </span>
            </label>
            <label className="choice-card">
              <input className="choice-input" type="radio" name={name} checked={!all} onChange={() => setAll(false)} />
              <span className="choice-text">
                <span className="choice-title">Only selected models</span>
                <span className="choice-hint">The model picker shows only these.</span>
              </span>
            </label>
          </div>
          <fieldset className="model-checklist" disabled={all} aria-label="Allowed models">
            {models.loading && !models.data && <span className="spinner" role="status" aria-label="Loading models" />}
            {choices.map((choice) => (
              <label key={choice.slug} className="check-row">
                <input
                  className="check-input"
                  type="checkbox"
                  checked={!all && picked.has(choice.slug)}
                  onChange={(event) => toggle(choice.slug, event.target.checked)}
                />
                <span>{choice.title}</span>
                <code>{choice.slug}</code>
              </label>
            ))}
          </fieldset>
          <FormMessages error={problem ?? models.error ?? action.error} />
        </div>
        <footer className="dialog-footer">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={action.busy}>
            {action.busy ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
