/**
 * Whether the sidebar is open. Desktop remembers the choice (open by default); mobile always starts
 * closed and closes again after choosing a chat.
 */
import { useCallback, useEffect, useState } from 'react';
import { readStorage, writeStorage } from '../lib/local-storage.js';
import { useIsMobile } from './use-media-query.js';

const key = 'backchat.sidebar';

export function useSidebar() {
  const mobile = useIsMobile();
  const [desktopOpen, setDesktopOpen] = useState(() => readStorage(key) !== 'closed');
  const [mobileOpen, setMobileOpen] = useState(false);
  useEffect(() => {
    if (!mobile) setMobileOpen(false);
  }, [mobile]);
  const setOpen = useCallback(
    (open: boolean) => {
      if (mobile) {
        setMobileOpen(open);
        return;
      }
      setDesktopOpen(open);
      writeStorage(key, open ? null : 'closed');
    },
    [mobile],
  );
  const closeOnMobile = useCallback(() => {
    if (mobile) setMobileOpen(false);
  }, [mobile]);
  return { mobile, open: mobile ? mobileOpen : desktopOpen, setOpen, closeOnMobile };
}
