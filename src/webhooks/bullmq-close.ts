/**
 * The end of a BullMQ worker and its queue at a shutdown, shared by the Redis-backed queues
 * (webhooks, push notifications). Jobs waiting or delayed stay in Redis for the next process.
 *
 * The worker pauses first: BullMQ records the outcome of a job that ends while the worker is
 * pausing, whereas a closing worker leaves the job locked until the stalled check, which runs it
 * again whole. At `cut` the requests still in flight are cut off (`cutOff`: their jobs end at once
 * and hand back what they did not send); from then the pause and the close together get
 * QUEUE_WRAP_UP_MS to record those jobs in Redis. Past it (Redis away) the connections are dropped
 * and a job left locked is recovered by the stalled check.
 */
import type { Queue, Worker } from 'bullmq';
import type { Logger } from '../shared/logger.js';
import { untilAborted } from '../shared/until-aborted.js';

/**
 * How long a queue takes at most, after its cut, to record the jobs it cut off. The server cuts
 * the queues this long before its grace period ends (see Switchboard.close), so that the record
 * is written before the process exits.
 */
export const QUEUE_WRAP_UP_MS = 1_000;

export async function closeWorkerAndQueue(worker: Worker, queue: Queue, cut: AbortSignal, cutOff: () => void, logger: Logger, what: string): Promise<void> {
  const atCut = untilAborted(cut);
  void atCut.then(cutOff);
  const wrappedUp = atCut.then(() => delay(QUEUE_WRAP_UP_MS));
  const paused = worker.pause().catch((error: unknown) => logger.warn({ err: error }, `${what} worker pause failed`));
  await Promise.race([paused, wrappedUp]);
  cutOff();
  const closed = Promise.allSettled([worker.close(), queue.close()]);
  await Promise.race([closed, wrappedUp]);
  if (cut.aborted) await Promise.allSettled([worker.disconnect(), queue.disconnect()]);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
