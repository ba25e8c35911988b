/** One button's request at a time: busy while it runs, then the server's error or a success notice. */
import { useCallback, useState } from 'react';
import { describeError } from '../api/api-error.js';

export interface Action {
  busy: boolean;
  error: string | null;
  notice: string | null;
  /** Runs `work`; a string it returns becomes the notice. Resolves true when it succeeded. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const result = await work();
      setNotice(typeof result === 'string' && result !== '' ? result : null);
      return true;
    } catch (failure) {
      setError(describeError(failure));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(null);
    setNotice(null);
  }, []);
  return { busy, error, notice, run, clear };
}
