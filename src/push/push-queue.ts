/**
 * PushQueue: where publishes wait for fan-out and devices for delivery and retries. Jobs are run
 * by a PushProcessor, whose follow-ups (next fan-out page, deliver batches, retries) are queued
 * before the job counts as done.
 * - MemoryPushQueue: this process only; `close` stops taking jobs, lets those in flight finish
 *   until the deadline and drops (and logs) the rest.
 * - RedisPushQueue (BullMQ): jobs live in Redis, any node on the prefix runs them, retries are
 *   delayed jobs; `close` leaves waiting jobs there, so a restart or crash loses none (at least
 *   once: a job cut mid-way by a crash runs again).
 */
import type { PushJob } from './push-jobs.js';

export class PushQueueFullError extends Error {
  override readonly name = 'PushQueueFullError';
}

export interface PushQueue {
  /** Queues a new publish's first job; rejects when the queue cannot take it (full, or Redis away). */
  add(job: PushJob): Promise<void>;
  /** Jobs waiting, delayed or running. */
  depth(): Promise<number>;
  /**
   * Stops by `deadline` (aborted QUEUE_WRAP_UP_MS before the shutdown grace period ends): requests
   * still in flight then are cut off, and the Redis queue takes up to QUEUE_WRAP_UP_MS more to
   * record the devices they hand back. Idempotent.
   */
  close(deadline: AbortSignal): Promise<void>;
}
