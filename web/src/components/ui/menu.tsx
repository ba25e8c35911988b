/**
 * A dropdown menu (WAI-ARIA menu button): the trigger toggles a popover of `menuitem`s placed next
 * to it (in a portal, so scroll containers never clip it). Arrow keys move, Enter/Space choose,
 * Escape closes and gives focus back to the trigger. Inside a modal <dialog> the popover is placed
 * in the dialog, since nothing outside the browser's top layer can be drawn above it.
 */
import {
  type KeyboardEvent,
  type ReactNode,
  useCallback,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { createPortal } from 'react-dom';
import { useDismiss } from '../../hooks/use-dismiss.js';

export interface MenuItem {
  label: string;
  icon?: ReactNode;
  danger?: boolean;
  /** Shown right after the label text (a badge). */
  labelExtra?: ReactNode;
  /** Shown at the end of the row (a check). */
  trailing?: ReactNode;
  /** A second line under the label. */
  description?: string;
  checked?: boolean;
  onSelect: () => void;
}

export type MenuPlacement = 'bottom-start' | 'bottom-end' | 'top-start' | 'top-end';

interface MenuProps {
  /** Renders the trigger; spread the props onto a <button>. */
  trigger: (props: TriggerProps) => ReactNode;
  items: MenuItem[];
  placement?: MenuPlacement;
  /** Content above the items (e.g. the signed-in email). */
  header?: ReactNode;
  className?: string;
}

export interface TriggerProps {
  ref: (element: HTMLButtonElement | null) => void;
  'aria-haspopup': 'menu';
  'aria-expanded': boolean;
  'aria-controls': string | undefined;
  onClick: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => void;
}

interface Position {
  top?: number;
  bottom?: number;
  left?: number;
  right?: number;
}

function positionFor(trigger: DOMRect, placement: MenuPlacement): Position {
  const gap = 6;
  const vertical = placement.startsWith('top')
    ? { bottom: window.innerHeight - trigger.top + gap }
    : { top: trigger.bottom + gap };
  const horizontal = placement.endsWith('end')
    ? { right: Math.max(8, window.innerWidth - trigger.right) }
    : { left: Math.max(8, trigger.left) };
  return { ...vertical, ...horizontal };
}

function flipIfNeeded(trigger: DOMRect, placement: MenuPlacement, height: number): MenuPlacement {
  const below = window.innerHeight - trigger.bottom;
  if (placement.startsWith('bottom') && below < height + 16 && trigger.top > below) {
    return placement.endsWith('end') ? 'top-end' : 'top-start';
  }
  return placement;
}

function focusItem(menu: HTMLElement | null, index: number): void {
  const items = [...(menu?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
  const count = items.length;
  if (count > 0) items[((index % count) + count) % count]?.focus();
}

function MenuEntryContent({ item }: { item: MenuItem }) {
  return (
    <>
      {item.icon && <span className="menu-item-icon">{item.icon}</span>}
      <span className="menu-item-text">
        <span className="menu-item-label">
          {item.label}
          {item.labelExtra}
        </span>
        {item.description && <span className="menu-item-description">{item.description}</span>}
      </span>
      {item.trailing}
    </>
  );
}

/** One entry: a `menuitemradio` when it has a checked state, else a `menuitem`. */
function MenuEntry({ item, choose }: { item: MenuItem; choose: () => void }) {
  const className = `menu-item${item.danger ? ' danger' : ''}`;
  if (item.checked !== undefined) {
    return (
      <button
        type="button"
        role="menuitemradio"
        aria-checked={item.checked}
        className={className}
        tabIndex={-1}
        onClick={choose}
      >
        <MenuEntryContent item={item} />
      </button>
    );
  }
  return (
    <button type="button" role="menuitem" className={className} tabIndex={-1} onClick={choose}>
      <MenuEntryContent item={item} />
    </button>
  );
}

export function Menu({ trigger, items, placement = 'bottom-start', header, className }: MenuProps) {
  const [open, setOpen] = useState(false);
  const [position, setPosition] = useState<Position>({});
  const triggerRef = useRef<HTMLButtonElement | null>(null);
  const menuRef = useRef<HTMLDivElement | null>(null);
  const id = useId();
  const close = useCallback((refocus = true) => {
    setOpen(false);
    if (refocus) triggerRef.current?.focus();
  }, []);
  const refs = useMemo(() => [triggerRef, menuRef], []);
  useDismiss(open, refs, close);

  useLayoutEffect(() => {
    const button = triggerRef.current;
    if (!open || !button) return;
    const rect = button.getBoundingClientRect();
    const height = menuRef.current?.offsetHeight ?? 200;
    setPosition(positionFor(rect, flipIfNeeded(rect, placement, height)));
    focusItem(menuRef.current, 0);
  }, [open, placement]);

  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'ArrowDown') focusItem(menuRef.current, index + 1);
    else if (event.key === 'ArrowUp') focusItem(menuRef.current, index - 1);
    else if (event.key === 'Home') focusItem(menuRef.current, 0);
    else if (event.key === 'End') focusItem(menuRef.current, items.length - 1);
    else if (event.key === 'Tab') close(false);
    else return;
    event.preventDefault();
  };

  const triggerProps: TriggerProps = {
    ref: (element) => {
      triggerRef.current = element;
    },
    'aria-haspopup': 'menu',
    'aria-expanded': open,
    'aria-controls': open ? id : undefined,
    onClick: () => setOpen((value) => !value),
    onKeyDown: (event) => {
      if (event.key !== 'ArrowDown' || open) return;
      event.preventDefault();
      setOpen(true);
    },
  };

  return (
    <>
      {trigger(triggerProps)}
      {open &&
        createPortal(
          <div
            ref={menuRef}
            id={id}
            role="menu"
            className={`menu-popover ${className ?? ''}`}
            style={position}
            onKeyDown={onMenuKey}
          >
            {header}
            {items.map((item) => (
              <MenuEntry
                key={item.label}
                item={item}
                choose={() => {
                  close(false);
                  item.onSelect();
                }}
              />
            ))}
          </div>,
          triggerRef.current?.closest('dialog') ?? document.body,
        )}
    </>
  );
}
