/**
 * Reference-counts this node's interest in each channel and keeps the broker subscription to
 * match: the broker subscribes when the first local subscriber arrives (everyone joining
 * meanwhile waits for the same attempt) and unsubscribes after the last leaves. A failed
 * subscribe is rolled back, so the next joiner tries again.
 *
 * Callers release after a failed acquire too, possibly late (signin.ts waits for all of a user's
 * channels first), when a new route for the channel may already exist. Those releases are owed
 * by the failed attempt, not by the new route's holders: they are counted apart (`#owed`) and
 * paid first, so a route's count never drops below its live holders and it is never
 * unsubscribed under one. (Releases are interchangeable: paying a debt with a live holder's
 * release only keeps the route a little longer, until the failed holder's release comes.)
 */
import type { Broker } from '../cluster/broker.js';

interface Route {
  holders: number;
  /** Settles when the broker subscription is active (or failed). */
  ready: Promise<void>;
}

export class ChannelRoutes {
  readonly #broker: Broker;
  readonly #routes = new Map<string, Route>();
  /** Per channel, the releases still owed by holders of failed subscribes. */
  readonly #owed = new Map<string, number>();
  readonly #onError: (error: unknown, appId: string, channel: string) => void;

  constructor(broker: Broker, onError: (error: unknown, appId: string, channel: string) => void) {
    this.#broker = broker;
    this.#onError = onError;
  }

  /** Resolves when this node receives the channel's traffic from other nodes. */
  acquire(appId: string, channel: string): Promise<void> {
    const key = `${appId}\0${channel}`;
    const route = this.#routes.get(key);
    if (route !== undefined) {
      route.holders += 1;
      return route.ready;
    }
    const created: Route = { holders: 1, ready: Promise.resolve() };
    created.ready = this.#broker.subscribe(appId, channel).catch((error: unknown) => {
      if (this.#routes.get(key) === created) {
        this.#routes.delete(key);
        this.#owed.set(key, (this.#owed.get(key) ?? 0) + created.holders);
      }
      throw error;
    });
    this.#routes.set(key, created);
    return created.ready;
  }

  /** Gives back one `acquire` (also after a failed one: the count is what matters). */
  release(appId: string, channel: string): void {
    const key = `${appId}\0${channel}`;
    const owed = this.#owed.get(key);
    if (owed !== undefined) {
      if (owed > 1) this.#owed.set(key, owed - 1);
      else this.#owed.delete(key);
      return;
    }
    const route = this.#routes.get(key);
    if (route === undefined) return;
    route.holders -= 1;
    if (route.holders > 0) return;
    this.#routes.delete(key);
    route.ready
      .then(() => {
        // Someone may have acquired the channel again while the subscribe was in flight.
        if (!this.#routes.has(key)) return this.#broker.unsubscribe(appId, channel);
        return undefined;
      })
      .catch((error: unknown) => this.#onError(error, appId, channel));
  }
}
