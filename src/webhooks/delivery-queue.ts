/**
 * DeliveryQueue: where closed batches wait for delivery and retries. Two implementations share
 * one contract suite (delivery-queue.contract.ts):
 * - MemoryDeliveryQueue: this process only; `close` drains it (every waiting batch is attempted at
 *   once, retries go on until the deadline; what is left then is dropped and logged).
 * - RedisDeliveryQueue (BullMQ): batches live in Redis and any process on the same key prefix
 *   delivers them; `close` leaves waiting batches there, so a restart or crash loses none.
 *
 * Guarantees: at least once (a crash during a request repeats it); a batch is retried with
 * exponential backoff for the whole retry period, then dropped; at most `maxQueuedBatches` wait
 * (over it, new batches are dropped); at most `concurrency` requests are in flight per process.
 * Every drop is counted and logged with its events.
 */
import type { WebhookBatch } from './batch.js';

export interface DeliveryQueue {
  /** Takes a batch; returns at once and never throws (a refused batch is dropped and logged). */
  enqueue(batch: WebhookBatch): void;
  /** Batches waiting, delayed for a retry or in flight (Redis: of every process on the prefix). */
  depth(): Promise<number>;
  /**
   * Stops delivering by `deadline` (aborted QUEUE_WRAP_UP_MS before the shutdown grace period
   * ends): requests still in flight then are cut off, and the Redis queue takes up to
   * QUEUE_WRAP_UP_MS more to record them. Idempotent; never rejects.
   */
  close(deadline: AbortSignal): Promise<void>;
}
