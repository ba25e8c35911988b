/** Types `text` in a character at a time (a newly generated title), or shows it at once. */
import { useEffect, useState } from 'react';

export function useTypewriter(text: string, animate: boolean, msPerChar = 28): string {
  const [shown, setShown] = useState(animate ? 0 : text.length);
  useEffect(() => {
    if (!animate) {
      setShown(text.length);
      return;
    }
    setShown(0);
    const timer = setInterval(() => {
      setShown((count) => {
        if (count >= text.length) clearInterval(timer);
        return Math.min(text.length, count + 1);
      });
    }, msPerChar);
    return () => clearInterval(timer);
  }, [text, animate, msPerChar]);
  return text.slice(0, shown);
}
