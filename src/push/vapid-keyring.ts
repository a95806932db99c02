/**
 * Each app's VAPID key pair (RFC 8292), made on first use and stored, so every node signs with
 * the same key and browsers' subscriptions (bound to the public key they were made with) outlive
 * restarts. Held in memory once read; a pair is never replaced (that would orphan every device).
 */
import webpush from 'web-push';
import type { PushStore, VapidKeyPair } from './push-store.js';

export class VapidKeyring {
  readonly #store: PushStore;
  readonly #keys = new Map<string, Promise<VapidKeyPair>>();

  constructor(store: PushStore) {
    this.#store = store;
  }

  keysOf(appId: string): Promise<VapidKeyPair> {
    let keys = this.#keys.get(appId);
    if (keys === undefined) {
      keys = this.#load(appId);
      this.#keys.set(appId, keys);
      // A failed read is not remembered: the next call asks the store again.
      keys.catch(() => this.#keys.delete(appId));
    }
    return keys;
  }

  async #load(appId: string): Promise<VapidKeyPair> {
    const stored = await this.#store.vapidKeys(appId);
    if (stored !== undefined) return stored;
    // Two nodes may both get here: the store keeps the first pair and both use it.
    return this.#store.saveVapidKeys(appId, webpush.generateVAPIDKeys());
  }
}
