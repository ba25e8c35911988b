/** A copy button that shows a check for a moment after copying. */
import { useEffect, useState } from 'react';
import { copyText } from '../../lib/clipboard.js';
import { MaskIcon } from '../ui/mask-icon.js';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="icon-button small"
      aria-label={label}
      data-tooltip={copied ? 'Copied!' : 'Copy'}
      onClick={() => void copyText(text).then(setCopied)}
    >
      <MaskIcon name={copied ? 'check' : 'copy'} />
    </button>
  );
}
