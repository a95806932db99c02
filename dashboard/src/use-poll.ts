/** Reads `load` now and every `intervalMs` while the view is shown; the last value or error. */
import { useEffect, useState } from 'preact/hooks';

export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[], onError: (error: unknown) => void): { value: T | undefined; error: string | undefined } {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const run = (): void => {
      load().then(
        (next) => {
          if (!live) return;
          setValue(next);
          setError(undefined);
        },
        (failure: unknown) => {
          if (!live) return;
          setError(failure instanceof Error ? failure.message : String(failure));
          onError(failure);
        },
      );
    };
    run();
    const timer = setInterval(run, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, deps);
  return { value, error };
}
