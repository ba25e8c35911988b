/** Data loaded from the API for one dialog section: the value, the error text, and reload. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/api-error.js';

export interface Resource<T> {
  /** undefined until the first load succeeds. */
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Loads `load()` on mount and on `reload()`; `load` must be stable (a module function). */
export function useResource<T>(load: () => Promise<T>): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const live = useRef(true);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const value = await load();
      if (!live.current) return;
      setData(value);
      setError(null);
    } catch (failure) {
      if (live.current) setError(describeError(failure));
    } finally {
      if (live.current) setLoading(false);
    }
  }, [load]);
  useEffect(() => {
    live.current = true;
    void reload();
    return () => {
      live.current = false;
    };
  }, [reload]);
  return { data, error, loading, reload };
}
