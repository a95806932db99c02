/**
 * Waits for a condition on in-process server state that has no event of its own (e.g. a closed
 * connection's release). Polls on timers, bounded by the test's own timeout; never used where an
 * event can be awaited.
 */
import { setTimeout as delay } from 'node:timers/promises';

export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await delay(5);
  }
}

/** Conditions re-checked whenever their owner reports a change (event-driven, no polling). */
export class Waiters {
  readonly #listeners = new Set<() => void>();

  /** Resolves once `condition` holds: at once, or after some later `notify()`. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!condition()) return;
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
  }

  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
