/** The frame of the sign-in and set-up pages: the mark, a heading, a card. */
import { type ReactNode, useId } from 'react';
import { LogoMark } from '../components/ui/icons.js';

export function AuthLayout({ title, subtitle, children }: { title: string; subtitle: ReactNode; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <LogoMark size={44} className="auth-logo" />
        <h1>{title}</h1>
        <p className="auth-subtitle">{subtitle}</p>
        {children}
      </div>
      <footer className="auth-footer">backchat · self-hosted chat</footer>
    </main>
  );
}

interface FieldProps {
  label: string;
  type: string;
  value: string;
  autoComplete: string;
  onChange: (value: string) => void;
  autoFocus?: boolean;
  minLength?: number;
  /** A rule shown under the field from the start (e.g. the password rules). */
  hint?: string;
  required?: boolean;
  readOnly?: boolean;
}

export function Field(props: FieldProps) {
  const hintId = useId();
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <input
        type={props.type}
        value={props.value}
        required={props.required ?? true}
        readOnly={props.readOnly}
        minLength={props.minLength}
        autoComplete={props.autoComplete}
        aria-describedby={props.hint ? hintId : undefined}
        // biome-ignore lint/a11y/noAutofocus: the first field of a page whose only purpose is this form
        autoFocus={props.autoFocus}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint && (
        <span className="field-hint" id={hintId}>
          {props.hint}
        </span>
      )}
    </label>
  );
}

/** Runs a form submission, keeping "busy" and the error message. */
export async function submitting(
  setBusy: (busy: boolean) => void,
  setError: (error: string | null) => void,
  work: () => Promise<void>,
): Promise<void> {
  setBusy(true);
  setError(null);
  try {
    await work();
  } catch (error) {
    setError(error instanceof Error ? error.message : String(error));
    setBusy(false);
  }
}
