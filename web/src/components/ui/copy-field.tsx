/** A secret shown once (a new token, an invite link): read-only text, selected on focus, and a Copy button. */
import { useEffect, useState } from 'react';
import { copyText } from '../../lib/clipboard.js';
import { CheckIcon, CopyIcon } from './icons.js';

export function CopyField({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
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
      <button
        type="button"
        className="button button-secondary small"
        onClick={() => void copyText(value).then(setCopied)}
      >
        {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
