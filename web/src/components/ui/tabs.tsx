/**
 * Tabs (WAI-ARIA tabs with automatic activation): a `tablist` of `tab`s and the selected `tabpanel`.
 * Arrow keys (both axes, so the list works upright on desktop and across on phones), Home and End
 * move between tabs; only the selected tab is in the Tab order. A panel may be lazy (a spinner shows
 * while its code loads).
 */
import { type KeyboardEvent, type ReactNode, Suspense, useId, useRef, useState } from 'react';

export interface TabItem {
  id: string;
  label: string;
  icon?: ReactNode;
  render: () => ReactNode;
}

interface TabsProps {
  tabs: readonly TabItem[];
  /** The accessible name of the tab list. */
  label: string;
  orientation: 'horizontal' | 'vertical';
  className?: string;
}

const steps: Record<string, (index: number, count: number) => number> = {
  ArrowDown: (index, count) => (index + 1) % count,
  ArrowRight: (index, count) => (index + 1) % count,
  ArrowUp: (index, count) => (index - 1 + count) % count,
  ArrowLeft: (index, count) => (index - 1 + count) % count,
  Home: () => 0,
  End: (_index, count) => count - 1,
};

export function Tabs({ tabs, label, orientation, className }: TabsProps) {
  const [selectedId, setSelectedId] = useState(tabs[0]?.id);
  const listRef = useRef<HTMLDivElement>(null);
  const prefix = useId();
  const selected = tabs.find((tab) => tab.id === selectedId) ?? tabs[0];
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = steps[event.key];
    const index = tabs.findIndex((tab) => tab.id === selected?.id);
    if (!step || index < 0) return;
    event.preventDefault();
    const next = tabs[step(index, tabs.length)];
    if (!next) return;
    setSelectedId(next.id);
    listRef.current?.querySelector<HTMLElement>(`[data-tab="${next.id}"]`)?.focus();
  };
  return (
    <div className={`tabs tabs-${orientation} ${className ?? ''}`}>
      <div
        ref={listRef}
        role="tablist"
        aria-label={label}
        aria-orientation={orientation}
        className="tab-list"
        onKeyDown={onKeyDown}
      >
        {tabs.map((tab) => {
          const isSelected = tab.id === selected?.id;
          return (
            <button
              key={tab.id}
              type="button"
              role="tab"
              id={`${prefix}-tab-${tab.id}`}
              data-tab={tab.id}
              aria-selected={isSelected}
              aria-controls={`${prefix}-panel-${tab.id}`}
              tabIndex={isSelected ? 0 : -1}
              className="tab"
              onClick={() => setSelectedId(tab.id)}
            >
              {tab.icon && <span className="tab-icon">{tab.icon}</span>}
              <span>{tab.label}</span>
            </button>
          );
        })}
      </div>
      {selected && (
        <div
          role="tabpanel"
          id={`${prefix}-panel-${selected.id}`}
          aria-labelledby={`${prefix}-tab-${selected.id}`}
          className="tab-panel"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the WAI-ARIA tabs pattern makes the panel reachable by Tab
          tabIndex={0}
        >
          <Suspense fallback={<span className="spinner tab-loading" role="status" aria-label="Loading" />}>
            {selected.render()}
          </Suspense>
        </div>
      )}
    </div>
  );
}
