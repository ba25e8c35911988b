/**
 * App-wide keys: Ctrl/Cmd+Shift+O starts a new chat; Ctrl/Cmd+K searches the chats; Escape stops a
 * streaming answer.
 */
import { useEffect, useRef } from 'react';

interface Shortcuts {
  newChat: () => void;
  search: () => void;
  stop: () => void;
}

function anOverlayIsOpen(): boolean {
  return document.querySelector('dialog[open], .menu-popover') !== null;
}

export function useKeyboardShortcuts(shortcuts: Shortcuts): void {
  const latest = useRef(shortcuts);
  latest.current = shortcuts;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === 'o') {
        event.preventDefault();
        latest.current.newChat();
      } else if (
        (event.ctrlKey || event.metaKey) &&
        !event.shiftKey &&
        !event.altKey &&
        event.key.toLowerCase() === 'k' &&
        !anOverlayIsOpen()
      ) {
        event.preventDefault();
        latest.current.search();
      } else if (event.key === 'Escape' && !event.defaultPrevented && !anOverlayIsOpen()) {
        latest.current.stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
