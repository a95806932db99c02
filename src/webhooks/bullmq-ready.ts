/**
 * Waiting for a BullMQ queue and its worker to connect, bounded in time: the Redis-backed queues
 * (webhooks, push notifications) open through it, so a Redis that does not answer fails the
 * start with a clear error instead of hanging it.
 */
import type { Queue, Worker } from 'bullmq';
import { describeTarget, type RedisTarget } from '../config/redis-target.js';

/**
 * Resolves once both are ready; otherwise closes both (the worker without waiting for jobs) and
 * rejects, naming the target, after `timeoutMs`.
 */
export async function bullmqReadyWithin(queue: Queue, worker: Worker, target: RedisTarget, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis (${describeTarget(target)}) did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await Promise.allSettled([worker.close(true), queue.close()]);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
