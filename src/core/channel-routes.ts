/**
 * Reference-counts this node's interest in each channel and keeps the broker subscription to
 * match: the broker subscribes when the first local subscriber arrives (everyone joining
 * meanwhile waits for the same attempt) and unsubscribes after the last leaves. A failed
 * subscribe is rolled back, so the next joiner tries again.
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
      if (this.#routes.get(key) === created) this.#routes.delete(key);
      throw error;
    });
    this.#routes.set(key, created);
    return created.ready;
  }

  /** Gives back one `acquire` (also after a failed one: the count is what matters). */
  release(appId: string, channel: string): void {
    const key = `${appId}\0${channel}`;
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
