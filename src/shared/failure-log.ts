/**
 * Logs a failure that repeats on every pass of a periodic task (during a Redis or NATS outage,
 * every sweep fails) once when it starts, then at most once a minute with a count, and once more
 * when the task succeeds again, instead of several lines per second.
 */
import type { Logger } from './logger.js';

const REPEAT_INTERVAL_MS = 60_000;

export class FailureLog {
  readonly #logger: Logger;
  readonly #what: string;
  #failingSince: number | undefined;
  #lastLoggedAt = 0;
  #failures = 0;

  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  failed(error: unknown, now: number = Date.now()): void {
    this.#failures += 1;
    if (this.#failingSince === undefined) {
      this.#failingSince = now;
      this.#lastLoggedAt = now;
      this.#logger.error({ err: error }, `${this.#what} failed; retrying`);
      return;
    }
    if (now - this.#lastLoggedAt >= REPEAT_INTERVAL_MS) {
      this.#lastLoggedAt = now;
      this.#logger.error({ err: error, failures: this.#failures, sinceMs: now - this.#failingSince }, `${this.#what} still failing`);
    }
  }

  succeeded(now: number = Date.now()): void {
    if (this.#failingSince === undefined) return;
    this.#logger.info({ failures: this.#failures, downMs: now - this.#failingSince }, `${this.#what} works again`);
    this.#failingSince = undefined;
    this.#failures = 0;
  }
}
