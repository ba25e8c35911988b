/** A copy button that shows a check for a moment after copying. */
import { useCopied } from '../../hooks/use-copied.js';
import { MaskIcon } from '../ui/mask-icon.js';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const { copied, copy } = useCopied();
  return (
    <button
      type="button"
      className="icon-button small"
      aria-label={label}
      data-tooltip={copied ? 'Copied!' : 'Copy'}
      onClick={() => copy(text)}
    >
      <MaskIcon name={copied ? 'check' : 'copy'} />
    </button>
  );
}
