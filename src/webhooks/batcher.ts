/**
 * Collects events per app and endpoint into batches, as Pusher does: a batch is closed when it
 * holds `size` events or `windowMs` after its first event, whichever comes first. Batches never
 * mix apps or endpoints. Memory is bounded by `size` events per configured endpoint, and there is
 * at most one timer per open batch.
 */
import type { WebhookEvent } from '../core/webhook-sink.js';
import { createBatch, type WebhookBatch } from './batch.js';

export interface BatcherSettings {
  readonly windowMs: number;
  readonly size: number;
}

interface OpenBatch {
  readonly appId: string;
  readonly url: string;
  readonly events: WebhookEvent[];
  timer: NodeJS.Timeout | undefined;
}

export class Batcher {
  readonly #settings: BatcherSettings;
  readonly #now: () => number;
  readonly #onBatch: (batch: WebhookBatch) => void;
  /** Keyed by app id and the endpoint's index in the app's list (two entries may share a URL). */
  readonly #open = new Map<string, OpenBatch>();

  constructor(settings: BatcherSettings, now: () => number, onBatch: (batch: WebhookBatch) => void) {
    this.#settings = settings;
    this.#now = now;
    this.#onBatch = onBatch;
  }

  add(appId: string, targetIndex: number, url: string, event: WebhookEvent): void {
    const key = `${targetIndex}:${appId}`;
    let open = this.#open.get(key);
    if (open === undefined) {
      open = { appId, url, events: [], timer: undefined };
      this.#open.set(key, open);
    }
    open.events.push(event);
    if (open.events.length >= this.#settings.size) {
      this.#close(key, open);
    } else if (open.timer === undefined) {
      const batch = open;
      open.timer = setTimeout(() => this.#close(key, batch), this.#settings.windowMs);
    }
  }

  /** Closes every open batch now (shutdown). */
  flush(): void {
    for (const [key, open] of [...this.#open]) this.#close(key, open);
  }

  #close(key: string, open: OpenBatch): void {
    clearTimeout(open.timer);
    if (this.#open.get(key) === open) this.#open.delete(key);
    this.#onBatch(createBatch(open.appId, open.url, open.events, this.#now()));
  }
}
