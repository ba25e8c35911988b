/** A labelled text input with an optional rule shown under it (sign-in pages and dialog forms). */
import { useId } from 'react';

export interface FieldProps {
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
  /** The smaller size used inside dialogs. */
  compact?: boolean;
  placeholder?: string;
  maxLength?: number;
}

export function Field(props: FieldProps) {
  const inputId = useId();
  const hintId = useId();
  return (
    <div className={props.compact ? 'field compact' : 'field'}>
      <label className="field-label" htmlFor={inputId}>
        {props.label}
      </label>
      <input
        id={inputId}
        type={props.type}
        value={props.value}
        required={props.required ?? true}
        readOnly={props.readOnly}
        minLength={props.minLength}
        maxLength={props.maxLength}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete}
        aria-describedby={props.hint ? hintId : undefined}
        // biome-ignore lint/a11y/noAutofocus: the first field of a form that is the only purpose of its page or dialog
        autoFocus={props.autoFocus}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint && (
        <span className="field-hint" id={hintId}>
          {props.hint}
        </span>
      )}
    </div>
  );
}
