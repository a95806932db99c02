/**
 * The WebhookSink the core emits into: each event goes to every endpoint of its app whose filters
 * accept it, into that endpoint's open batch; closed batches go to the delivery queue. `emit` does
 * no I/O and never throws, so a slow or dead endpoint cannot slow the WebSocket path.
 */
import type { App } from '../apps/app-store.js';
import type { Logger } from '../shared/logger.js';
import type { WebhookEvent, WebhookSink } from '../core/webhook-sink.js';
import { createBatch } from './batch.js';
import { Batcher, type BatcherSettings } from './batcher.js';
import type { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { targetAccepts } from './target-filter.js';

export class WebhookDispatcher implements WebhookSink {
  readonly #batcher: Batcher;
  readonly #queue: DeliveryQueue;
  readonly #outcomes: DeliveryOutcomes;
  readonly #logger: Logger;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;

  constructor(options: { batching: BatcherSettings; queue: DeliveryQueue; outcomes: DeliveryOutcomes; logger: Logger; now: () => number }) {
    this.#queue = options.queue;
    this.#outcomes = options.outcomes;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#batcher = new Batcher(options.batching, options.now, (batch) => this.#queue.enqueue(batch));
  }

  emit(app: App, event: WebhookEvent): void {
    try {
      app.webhooks.forEach((target, index) => {
        if (!targetAccepts(target, event)) return;
        // Once closed, the queue may be gone: nothing is batched any more, and the drop is logged.
        if (this.#closing !== undefined) return this.#outcomes.drop(createBatch(app.id, target.url, [event], this.#now()), 'shutdown');
        this.#batcher.add(app.id, index, target.url, event);
      });
    } catch (error) {
      this.#logger.error({ err: error, app: app.id, event }, 'webhook event could not be queued');
    }
  }

  /** Closes every open batch into the queue, then closes the queue (see DeliveryQueue.close). */
  close(deadline: AbortSignal): Promise<void> {
    this.#closing ??= (async () => {
      this.#batcher.flush();
      await this.#queue.close(deadline);
    })();
    return this.#closing;
  }
}
