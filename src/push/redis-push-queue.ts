/**
 * PushQueue on Redis through BullMQ (see push-queue.ts), as the webhook queue is: the follow-ups
 * of a job (next fan-out page, deliver batches, delayed retries) are written to Redis before the
 * job completes, so a process that stops or dies mid-publish loses nothing: jobs it had not
 * taken wait in Redis, a job it was running is recovered by BullMQ's stalled check (and runs
 * again: at least once), and at a graceful shutdown the devices not yet sent are handed back as a
 * new job.
 */
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { redisOptions, type RedisTarget } from '../config/redis-target.js';
import { closeWorkerAndQueue } from '../webhooks/bullmq-close.js';
import { bullmqReadyWithin } from '../webhooks/bullmq-ready.js';
import type { Logger } from '../shared/logger.js';
import type { PushJob } from './push-jobs.js';
import type { PushProcessor } from './push-processor.js';
import { PushQueueFullError, type PushQueue } from './push-queue.js';

export interface RedisPushQueueOptions {
  readonly target: RedisTarget;
  /** BullMQ key prefix; the keys are `{prefix}:push:*`. */
  readonly prefix: string;
  readonly processor: Pick<PushProcessor, 'process'>;
  readonly logger: Logger;
  readonly concurrency: number;
  readonly maxQueuedJobs: number;
  readonly connectTimeoutMs?: number;
}

const QUEUE_NAME = 'push';
/** A job that throws (the store was away) is tried again after this, a few times, then logged and dropped. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: true,
  stackTraceLimit: 0,
};

export class RedisPushQueue implements PushQueue {
  readonly #options: RedisPushQueueOptions;
  readonly #queue: Queue<PushJob>;
  readonly #worker: Worker<PushJob>;
  readonly #stop = new AbortController();
  /** Aborted when the shutdown begins: no new request starts (see PushProcessor.process). */
  readonly #drain = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(options: RedisPushQueueOptions) {
    this.#options = options;
    const connection: ConnectionOptions = { ...(redisOptions(options.target) as Record<string, unknown>), maxRetriesPerRequest: null };
    this.#queue = new Queue<PushJob>(QUEUE_NAME, { connection, prefix: options.prefix });
    this.#worker = new Worker<PushJob>(QUEUE_NAME, (job) => this.#process(job), {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      maxStalledCount: 10,
    });
    this.#queue.on('error', (error) => options.logger.warn({ err: error }, 'push queue: Redis error'));
    this.#worker.on('error', (error) => options.logger.warn({ err: error }, 'push worker: Redis error'));
    this.#worker.on('failed', (job, error) => {
      if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        options.logger.error({ err: error, kind: job.data.kind, publishId: job.data.publish.publishId }, 'push job dropped after its last attempt');
      }
    });
  }

  static async open(options: RedisPushQueueOptions): Promise<RedisPushQueue> {
    const queue = new RedisPushQueue(options);
    await bullmqReadyWithin(queue.#queue, queue.#worker, options.target, options.connectTimeoutMs ?? 10_000);
    return queue;
  }

  async add(job: PushJob): Promise<void> {
    if (this.#closing !== undefined) throw new PushQueueFullError('the push queue is shutting down');
    const queued = await this.#queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
    if (queued >= this.#options.maxQueuedJobs) throw new PushQueueFullError('the push queue is full');
    await this.#queue.add(job.kind, job, JOB_OPTIONS);
  }

  depth(): Promise<number> {
    return this.#queue.getJobCountByTypes('waiting', 'prioritized', 'delayed', 'active');
  }

  async #process(job: Job<PushJob>): Promise<void> {
    const followUps = await this.#options.processor.process(job.data, this.#stop.signal, this.#drain.signal);
    if (followUps.length === 0) return;
    // Written before the job completes: a crash in between repeats the job, never loses its work.
    await this.#queue.addBulk(followUps.map((followUp) => ({ name: followUp.job.kind, data: followUp.job, opts: { ...JOB_OPTIONS, delay: followUp.delayMs } })));
  }

  close(deadline: AbortSignal): Promise<void> {
    this.#closing ??= this.#close(deadline);
    return this.#closing;
  }

  /**
   * The worker stops taking jobs; running jobs start no new request and let those in flight end
   * (cut off at `cut`); the devices not sent go back to Redis as a new job (see
   * closeWorkerAndQueue). Waiting jobs stay in Redis.
   */
  async #close(cut: AbortSignal): Promise<void> {
    this.#drain.abort();
    await closeWorkerAndQueue(this.#worker, this.#queue, cut, () => this.#stop.abort(), this.#options.logger, 'push');
  }
}
