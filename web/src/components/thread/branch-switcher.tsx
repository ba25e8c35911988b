/** `< 2 / 3 >`: moves between the versions of a message (edits of a prompt, regenerated answers). */
import { MaskIcon } from '../ui/mask-icon.js';

interface BranchSwitcherProps {
  index: number;
  count: number;
  disabled: boolean;
  onStep: (step: -1 | 1) => void;
}

export function BranchSwitcher({ index, count, disabled, onStep }: BranchSwitcherProps) {
  if (count < 2) return null;
  return (
    <div className="branch-switcher">
      <button
        type="button"
        className="icon-button small"
        aria-label="Previous response"
        disabled={disabled || index <= 1}
        onClick={() => onStep(-1)}
      >
        <MaskIcon name="chevron-left" />
      </button>
      <span className="branch-position">
        {index} / {count}
      </span>
      <button
        type="button"
        className="icon-button small"
        aria-label="Next response"
        disabled={disabled || index >= count}
        onClick={() => onStep(1)}
      >
        <MaskIcon name="chevron-right" />
      </button>
    </div>
  );
}
