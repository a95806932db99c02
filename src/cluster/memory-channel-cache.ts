/** ChannelCache for a single node; expired entries are dropped on read and by a periodic sweep. */
import type { CachedEvent, ChannelCache } from './channel-cache.js';

interface Entry {
  readonly event: string;
  readonly data: string;
  readonly expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryChannelCache implements ChannelCache {
  readonly #entries = new Map<string, Entry>();
  /** key -> time until which further misses are not reported */
  readonly #misses = new Map<string, number>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  set(appId: string, channel: string, event: string, data: string, ttlMs: number): Promise<void> {
    const key = `${appId}\0${channel}`;
    this.#entries.set(key, { event, data, expiresAt: this.#now() + ttlMs });
    this.#misses.delete(key);
    return Promise.resolve();
  }

  get(appId: string, channel: string): Promise<CachedEvent | undefined> {
    const key = `${appId}\0${channel}`;
    const entry = this.#entries.get(key);
    const now = this.#now();
    if (entry === undefined) return Promise.resolve(undefined);
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve({ event: entry.event, data: entry.data, ttlMs: entry.expiresAt - now });
  }

  claimMiss(appId: string, channel: string, windowMs: number): Promise<boolean> {
    const key = `${appId}\0${channel}`;
    const now = this.#now();
    const until = this.#misses.get(key);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.#misses.set(key, now + windowMs);
    return Promise.resolve(true);
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [key, until] of this.#misses) if (until <= now) this.#misses.delete(key);
  }
}
