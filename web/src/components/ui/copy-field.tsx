/** A secret shown once (a new token, an invite link): read-only text, selected on focus, and a Copy button. */
import { useCopied } from '../../hooks/use-copied.js';
import { CheckIcon, CopyIcon } from './icons.js';

export function CopyField({ value, label }: { value: string; label: string }) {
  const { copied, copy } = useCopied();
  return (
    <div className="copy-field">
      <input
        type="text"
        readOnly
        value={value}
        aria-label={label}
        spellCheck={false}
        onFocus={(event) => event.target.select()}
      />
      <button type="button" className="button button-secondary small" onClick={() => copy(value)}>
        {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
