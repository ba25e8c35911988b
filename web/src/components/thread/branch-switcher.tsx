/** `< 2 / 3 >`: moves between the versions of a message (edits of a prompt, regenerated answers). */
import { useServices } from '../../state/app-services.js';
import type { DisplayItem } from '../../state/display-items.js';
import type { ThreadStore } from '../../state/thread-store.js';
import { MaskIcon } from '../ui/mask-icon.js';

export function BranchSwitcher({ store, item }: { store: ThreadStore; item: DisplayItem }) {
  const { controller } = useServices();
  const { siblingIndex: index, siblingCount: count } = item;
  if (count < 2) return null;
  const onStep = (step: -1 | 1) => controller.switchBranch(store, item, step);
  return (
    <div className="branch-switcher">
      <button
        type="button"
        className="icon-button small"
        aria-label="Previous response"
        disabled={index <= 1}
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
        disabled={index >= count}
        onClick={() => onStep(1)}
      >
        <MaskIcon name="chevron-right" />
      </button>
    </div>
  );
}
