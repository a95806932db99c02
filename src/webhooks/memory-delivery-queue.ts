/**
 * The in-process DeliveryQueue (the single-node default; see delivery-queue.ts for the contract).
 *
 * Written here rather than taken from a library: the queue libraries that need no Redis (p-queue,
 * fastq) provide only the concurrency limit, which is a counter below; what this needs besides
 * (a per-endpoint share of that limit, retries on the shared time-based policy, a cap that drops
 * and logs, a drain that attempts every waiting batch at once and stops at a deadline) would be
 * wrapped around them anyway.
 */
import type { WebhookBatch } from './batch.js';
import type { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { EndpointSlots } from './endpoint-slots.js';
import type { SendBatch } from './webhook-sender.js';

export interface MemoryDeliveryQueueOptions {
  readonly send: SendBatch;
  readonly outcomes: DeliveryOutcomes;
  readonly concurrency: number;
  /** At most this many of the `concurrency` requests go to one endpoint URL at once. */
  readonly maxInFlightPerEndpoint: number;
  readonly maxQueuedBatches: number;
}

interface Entry {
  readonly batch: WebhookBatch;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

export class MemoryDeliveryQueue implements DeliveryQueue {
  readonly #options: MemoryDeliveryQueueOptions;
  /** Due now, per endpoint URL, oldest first; endpoints in the order they are served (round robin). */
  readonly #ready = new Map<string, Entry[]>();
  #readyCount = 0;
  readonly #slots: EndpointSlots;
  /** Waiting for their retry timer. */
  readonly #delayed = new Set<Entry>();
  #active = 0;
  /** Aborted at the shutdown deadline: cuts in-flight requests and refuses new batches. */
  readonly #stop = new AbortController();
  #onSettled: (() => void) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: MemoryDeliveryQueueOptions) {
    this.#options = options;
    this.#slots = new EndpointSlots(options.maxInFlightPerEndpoint);
  }

  /** Batches waiting or in flight. */
  get size(): number {
    return this.#readyCount + this.#delayed.size + this.#active;
  }

  depth(): Promise<number> {
    return Promise.resolve(this.size);
  }

  enqueue(batch: WebhookBatch): void {
    if (this.#stop.signal.aborted) return this.#options.outcomes.drop(batch, 'shutdown');
    if (this.size >= this.#options.maxQueuedBatches) return this.#options.outcomes.drop(batch, 'queue full');
    this.#makeReady({ batch, attempts: 0, timer: undefined });
    this.#pump();
  }

  #makeReady(entry: Entry): void {
    const queue = this.#ready.get(entry.batch.url);
    if (queue === undefined) this.#ready.set(entry.batch.url, [entry]);
    else queue.push(entry);
    this.#readyCount += 1;
  }

  /** Starts requests while slots are free, taking endpoints in turn and skipping busy ones. */
  #pump(): void {
    while (this.#active < this.#options.concurrency && !this.#stop.signal.aborted) {
      const entry = this.#takeNext();
      if (entry === undefined) return;
      this.#active += 1;
      void this.#attempt(entry);
    }
  }

  /** The oldest ready entry of the first endpoint under its in-flight cap, which moves to the back. */
  #takeNext(): Entry | undefined {
    for (const [url, queue] of this.#ready) {
      if (!this.#slots.take(url)) continue;
      const entry = queue.shift() as Entry;
      this.#ready.delete(url);
      if (queue.length > 0) this.#ready.set(url, queue);
      this.#readyCount -= 1;
      return entry;
    }
    return undefined;
  }

  async #attempt(entry: Entry): Promise<void> {
    entry.attempts += 1;
    const outcome = await this.#options.send(entry.batch, this.#stop.signal).catch((error: unknown) => ({
      ok: false as const,
      retry: true,
      reason: error instanceof Error ? error.message : String(error),
    }));
    this.#active -= 1;
    this.#slots.release(entry.batch.url);
    if (!outcome.ok && this.#stop.signal.aborted) {
      this.#options.outcomes.drop(entry.batch, 'shutdown', outcome.reason, entry.attempts);
    } else {
      const verdict = this.#options.outcomes.settle(entry.batch, entry.attempts, outcome);
      if (typeof verdict === 'number') this.#delay(entry, verdict);
    }
    this.#pump();
    this.#onSettled?.();
  }

  #delay(entry: Entry, ms: number): void {
    this.#delayed.add(entry);
    entry.timer = setTimeout(() => {
      this.#delayed.delete(entry);
      entry.timer = undefined;
      this.#makeReady(entry);
      this.#pump();
    }, ms);
  }

  close(deadline: AbortSignal): Promise<void> {
    this.#closing ??= this.#drain(deadline);
    return this.#closing;
  }

  /** Attempts everything now, retries until empty or the deadline, then drops what is left. */
  async #drain(deadline: AbortSignal): Promise<void> {
    for (const entry of this.#delayed) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      this.#makeReady(entry);
    }
    this.#delayed.clear();
    this.#pump();
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.size === 0 || deadline.aborted) {
          deadline.removeEventListener('abort', check);
          resolve();
        }
      };
      this.#onSettled = check;
      deadline.addEventListener('abort', check);
      check();
    });
    this.#stop.abort();
    // In-flight requests end promptly once aborted; each becomes a drop in #attempt.
    await new Promise<void>((resolve) => {
      this.#onSettled = () => {
        if (this.#active === 0) resolve();
      };
      this.#onSettled();
    });
    this.#onSettled = undefined;
    for (const entry of [...[...this.#ready.values()].flat(), ...this.#delayed]) {
      clearTimeout(entry.timer);
      this.#options.outcomes.drop(entry.batch, 'shutdown', undefined, entry.attempts);
    }
    this.#ready.clear();
    this.#readyCount = 0;
    this.#delayed.clear();
  }
}
