/** The model menu of the header (`/backend-api/models`); the demo model carries a "Demo" badge. */
import { useSyncExternalStore } from 'react';
import type { WireModel } from '../../../../src/protocol/wire-types.js';
import { isDemoModel, type ModelStore } from '../../state/model-store.js';
import { CheckIcon, ChevronDownIcon } from '../ui/icons.js';
import { Menu } from '../ui/menu.js';

function DemoBadge() {
  return <span className="badge badge-demo">Demo</span>;
}

/** The title to show; `compact` drops a trailing "(…)" remark on narrow screens. */
function modelTitle(model: WireModel | undefined, slug: string | null, compact: boolean): string {
  const title = model?.title ?? slug ?? 'Model';
  return compact ? title.replace(/\s*\([^)]*\)\s*$/, '') || title : title;
}

interface ModelPickerProps {
  models: ModelStore;
  slug: string | null;
  compact: boolean;
}

export function ModelPicker({ models, slug, compact }: ModelPickerProps) {
  const view = useSyncExternalStore(models.subscribe, models.getView);
  const current = models.find(slug);
  return (
    <Menu
      className="model-menu"
      trigger={(props) => (
        <button type="button" className="model-picker" aria-label="Model" {...props}>
          <span className="model-picker-title">{modelTitle(current, slug, compact)}</span>
          {current && isDemoModel(current) && <DemoBadge />}
          <ChevronDownIcon size={16} />
        </button>
      )}
      header={<div className="menu-heading">Model</div>}
      items={view.models.map((model) => ({
        label: model.title,
        description: model.description,
        checked: model.slug === slug,
        labelExtra: isDemoModel(model) ? <DemoBadge /> : undefined,
        trailing: <span className="menu-item-trailing">{model.slug === slug && <CheckIcon size={16} />}</span>,
        onSelect: () => models.select(model.slug),
      }))}
    />
  );
}
