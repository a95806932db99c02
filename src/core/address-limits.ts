/**
 * Per remote address limits on new connections (WebSockets and HTTP fallback sessions alike): how
 * many one address may hold open, and how many it may open per second (a token bucket per
 * address). Off unless configured, and then free: `admit` does nothing without limits.
 *
 * Memory is bounded under a flood of distinct addresses: an address with open connections is
 * kept (there are at most as many as open sockets); an idle one only carries its rate state and is
 * kept in least-recently-seen order, the oldest forgotten past `maxTrackedAddresses` (forgetting
 * one only refills its bucket early).
 */
import { CloseReasons, type CloseReason } from '../protocol/errors.js';

export interface AddressLimitSettings {
  readonly maxConnections?: number | undefined;
  readonly connectionsPerSecond?: number | undefined;
  readonly maxTrackedAddresses: number;
}

export type AddressAdmission =
  | { readonly admitted: true; /** Call once when the connection ends (later calls do nothing). */ readonly release: () => void }
  | { readonly admitted: false; readonly reason: CloseReason };

interface AddressEntry {
  open: number;
  tokens: number;
  updatedAt: number;
}

const UNLIMITED: AddressAdmission = { admitted: true, release: () => undefined };
const RATE_PERIOD_MS = 1_000;

export class AddressLimits {
  readonly #settings: AddressLimitSettings;
  readonly #now: () => number;
  /** Addresses with open connections. */
  readonly #active = new Map<string, AddressEntry>();
  /** Addresses without open connections, least recently seen first (rate state only). */
  readonly #idle = new Map<string, AddressEntry>();

  constructor(settings: AddressLimitSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Whether any limit is configured. */
  get enabled(): boolean {
    return this.#settings.maxConnections !== undefined || this.#settings.connectionsPerSecond !== undefined;
  }

  /** Addresses remembered (for tests and metrics). */
  get trackedAddresses(): number {
    return this.#active.size + this.#idle.size;
  }

  /** Admits one new connection from `address`, or says which limit it is over. */
  admit(address: string): AddressAdmission {
    if (!this.enabled) return UNLIMITED;
    const { maxConnections, connectionsPerSecond } = this.#settings;
    const now = this.#now();
    const entry = this.#take(address, now);
    if (connectionsPerSecond !== undefined) {
      entry.tokens = Math.min(connectionsPerSecond, entry.tokens + ((now - entry.updatedAt) * connectionsPerSecond) / RATE_PERIOD_MS);
      entry.updatedAt = now;
    }
    let reason: CloseReason | undefined;
    if (maxConnections !== undefined && entry.open >= maxConnections) reason = CloseReasons.addressConnectionLimit;
    else if (connectionsPerSecond !== undefined && entry.tokens < 1) reason = CloseReasons.addressConnectionRate;
    else entry.tokens -= 1;
    if (reason === undefined) entry.open += 1;
    this.#put(address, entry);
    if (reason !== undefined) return { admitted: false, reason };
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        entry.open -= 1;
        if (entry.open === 0) {
          this.#active.delete(address);
          this.#put(address, entry);
        }
      },
    };
  }

  /** The address's entry, taken out of the idle list (a fresh one with a full bucket if unknown). */
  #take(address: string, now: number): AddressEntry {
    const active = this.#active.get(address);
    if (active !== undefined) return active;
    const idle = this.#idle.get(address);
    if (idle !== undefined) {
      this.#idle.delete(address);
      return idle;
    }
    return { open: 0, tokens: this.#settings.connectionsPerSecond ?? 0, updatedAt: now };
  }

  /** Files the entry where it belongs; an idle one goes last, and only if rates are limited. */
  #put(address: string, entry: AddressEntry): void {
    if (entry.open > 0) {
      this.#active.set(address, entry);
      return;
    }
    if (this.#settings.connectionsPerSecond === undefined) return;
    this.#idle.set(address, entry);
    while (this.#idle.size > this.#settings.maxTrackedAddresses) {
      const oldest = this.#idle.keys().next();
      if (oldest.done === true) break;
      this.#idle.delete(oldest.value);
    }
  }
}
