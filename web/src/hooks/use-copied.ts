/** "Copied!" feedback: `copy(text)` writes the clipboard; `copied` stays true for two seconds after a success. */
import { useCallback, useEffect, useState } from 'react';
import { copyText } from '../lib/clipboard.js';

export function useCopied(): { copied: boolean; copy: (text: string) => void } {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = useCallback((text: string) => void copyText(text).then(setCopied), []);
  return { copied, copy };
}
