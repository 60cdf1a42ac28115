// Polling an API read while a view is on screen.
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api.ts";

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  updatedAt: Date | null;
  refresh: () => void;
}

/**
 * Calls `load` now and every `intervalMs` (0: once) until unmounted or `deps` change.
 * A failure keeps the last data and reports the error.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, "refresh">>({ data: undefined, error: null, updatedAt: null });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (live) setState({ data, error: null, updatedAt: new Date() });
      } catch (error) {
        if (live) setState((old) => ({ ...old, error: describeError(error) }));
      }
      if (live && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, intervalMs, tick]);
  return { ...state, refresh: () => setTick((t) => t + 1) };
}
