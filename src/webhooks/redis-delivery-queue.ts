/**
 * The Redis-backed DeliveryQueue (see delivery-queue.ts for the contract), on BullMQ: a
 * well-kept, widely used Redis queue whose delayed jobs, locks and stalled-job recovery give
 * exactly what "never lost" needs. A batch becomes a job as soon as its batch closes; failed
 * attempts become delayed jobs (the delay comes from the shared retry policy through a custom
 * backoff strategy), so retries survive restarts and crashes, and any process on the same key
 * prefix delivers them. A process that dies during a request leaves the job locked; BullMQ's
 * stalled check gives it to another worker once the lock expires (at least once).
 *
 * A hung Redis (accepting TCP, answering nothing): BullMQ's connections have no command timeout
 * (its worker's blocking commands must be allowed to wait, and a timed-out add may still be
 * applied later, so retrying it would duplicate). Memory stays bounded instead: at most
 * maxQueuedBatches adds wait here, each reported once it has waited slowAddMs, and written when
 * Redis answers again; beyond that, batches are dropped with an error log and counted.
 */
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { redisOptions, type RedisTarget } from '../config/redis-target.js';
import type { Logger } from '../shared/logger.js';
import { untilAborted } from '../shared/until-aborted.js';
import type { WebhookBatch } from './batch.js';
import { closeWorkerAndQueue } from './bullmq-close.js';
import { bullmqReadyWithin } from './bullmq-ready.js';
import type { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { EndpointSlots } from './endpoint-slots.js';
import type { SendBatch } from './webhook-sender.js';

export interface RedisDeliveryQueueOptions {
  readonly target: RedisTarget;
  /** BullMQ key prefix; the queue's keys are `{prefix}:deliveries:*`. */
  readonly prefix: string;
  readonly send: SendBatch;
  readonly outcomes: DeliveryOutcomes;
  readonly concurrency: number;
  /** At most this many of this process's `concurrency` requests go to one endpoint URL at once. */
  readonly maxInFlightPerEndpoint: number;
  readonly maxQueuedBatches: number;
  readonly logger: Logger;
  /** How long open() waits for Redis before failing the start. */
  readonly connectTimeoutMs?: number;
  /** An add unanswered this long is reported as an error (the batch is still kept); 5 s by default. */
  readonly slowAddMs?: number;
}

const QUEUE_NAME = 'deliveries';
const BACKOFF_TYPE = 'switchboard-webhook';
const SLOW_ADD_MS = 5_000;

/** The retry policy is time-based (retry period), so the attempt count only has to never run out. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 1_000_000_000,
  backoff: { type: BACKOFF_TYPE },
  removeOnComplete: true,
  removeOnFail: true,
  stackTraceLimit: 0,
};

/**
 * A job whose endpoint already has its share of requests in flight here goes back to the delayed
 * set (not an attempt), for longer each time it is put back, so that jobs of an endpoint that is
 * down cycle through Redis at a bounded rate while the other endpoints' jobs go on.
 */
const BUSY_DEFER_INITIAL_MS = 250;
const BUSY_DEFER_MAX_MS = 30_000;

/** Thrown by the processor to have BullMQ try the job again after `delayMs`. */
class RetryLater extends Error {
  constructor(readonly delayMs: number, reason: string) {
    super(reason);
    this.name = 'RetryLater';
  }
}

export class RedisDeliveryQueue implements DeliveryQueue {
  readonly #options: RedisDeliveryQueueOptions;
  readonly #queue: Queue<WebhookBatch>;
  readonly #worker: Worker<WebhookBatch>;
  /** Adds in flight to Redis; capped so that a slow or absent Redis cannot grow memory. */
  readonly #adding = new Set<Promise<void>>();
  /** Aborted at the shutdown deadline: cuts in-flight requests (their jobs stay in Redis). */
  readonly #stop = new AbortController();
  /** Requests in flight from this process per endpoint URL. */
  readonly #slots: EndpointSlots;
  #closing: Promise<void> | undefined;

  private constructor(options: RedisDeliveryQueueOptions) {
    this.#options = options;
    this.#slots = new EndpointSlots(options.maxInFlightPerEndpoint);
    // BullMQ types its connection options loosely (an index signature); ioredis checks them.
    const connection: ConnectionOptions = { ...(redisOptions(options.target) as Record<string, unknown>), maxRetriesPerRequest: null };
    this.#queue = new Queue<WebhookBatch>(QUEUE_NAME, { connection, prefix: options.prefix });
    this.#worker = new Worker<WebhookBatch>(QUEUE_NAME, (job, token) => this.#process(job, token), {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      // Generous: a job stalls only when its process dies mid-request; it must not be failed for that.
      maxStalledCount: 10,
      settings: {
        backoffStrategy: (_attemptsMade: number, _type?: string, error?: Error) => (error instanceof RetryLater ? error.delayMs : 0),
      },
    });
    this.#queue.on('error', (error) => options.logger.warn({ err: error }, 'webhook queue: Redis error'));
    this.#worker.on('error', (error) => options.logger.warn({ err: error }, 'webhook worker: Redis error'));
    // Jobs fail for good only through BullMQ itself (e.g. stalled too often); each is a drop.
    this.#worker.on('failed', (job, error) => {
      if (job !== undefined && !(error instanceof RetryLater)) options.outcomes.drop(job.data, 'queue failure', error.message, job.attemptsMade);
    });
  }

  /** Connects; rejects (after releasing everything) when Redis does not answer in time. */
  static async open(options: RedisDeliveryQueueOptions): Promise<RedisDeliveryQueue> {
    const queue = new RedisDeliveryQueue(options);
    await bullmqReadyWithin(queue.#queue, queue.#worker, options.target, options.connectTimeoutMs ?? 10_000);
    return queue;
  }

  enqueue(batch: WebhookBatch): void {
    if (this.#stop.signal.aborted) return this.#options.outcomes.drop(batch, 'shutdown');
    if (this.#adding.size >= this.#options.maxQueuedBatches) return this.#options.outcomes.drop(batch, 'queue full');
    const adding = this.#add(batch).finally(() => this.#adding.delete(adding));
    this.#adding.add(adding);
  }

  depth(): Promise<number> {
    return this.#queue.getJobCountByTypes('waiting', 'prioritized', 'delayed', 'active');
  }

  async #add(batch: WebhookBatch): Promise<void> {
    // A hung Redis (accepting TCP, answering nothing) holds the add until it answers; the batch
    // waits here (at most maxQueuedBatches of them) rather than be dropped, and the wait is
    // reported instead of being silent.
    const slowAddMs = this.#options.slowAddMs ?? SLOW_ADD_MS;
    const slow = setTimeout(() => {
      this.#options.logger.error(
        { app: batch.appId, url: batch.url, waitingMs: slowAddMs, batchesWaiting: this.#adding.size, maxQueuedBatches: this.#options.maxQueuedBatches },
        'webhook batch not yet written to Redis: Redis does not answer; the batch is kept in memory until it does',
      );
    }, slowAddMs);
    slow.unref();
    try {
      // Waiting, delayed and active jobs of every process on this prefix: the cap is shared, and
      // soft (concurrent adds may pass it by their number).
      const queued = await this.#queue.getJobCountByTypes('waiting', 'prioritized', 'delayed', 'active');
      if (queued >= this.#options.maxQueuedBatches) return this.#options.outcomes.drop(batch, 'queue full');
      await this.#queue.add(batch.appId, batch, JOB_OPTIONS);
    } catch (error) {
      this.#options.outcomes.drop(batch, 'queue unavailable', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(slow);
    }
  }

  async #process(job: Job<WebhookBatch>, token: string | undefined): Promise<void> {
    const batch = job.data;
    if (!this.#slots.take(batch.url)) {
      // Starts counted beyond attempts made and this one: how often the job was put back already.
      const deferrals = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
      const deferMs = Math.min(BUSY_DEFER_MAX_MS, BUSY_DEFER_INITIAL_MS * 2 ** Math.min(deferrals, 16));
      await job.moveToDelayed(Date.now() + deferMs, token);
      throw new DelayedError();
    }
    try {
      await this.#attempt(job);
    } finally {
      this.#slots.release(batch.url);
    }
  }

  async #attempt(job: Job<WebhookBatch>): Promise<void> {
    const batch = job.data;
    const attempts = job.attemptsMade + 1;
    const outcome = await this.#options.send(batch, this.#stop.signal);
    // Cut off by shutdown: not a failed attempt; the job goes back to Redis for the next process.
    if (!outcome.ok && this.#stop.signal.aborted) throw new RetryLater(0, outcome.reason);
    const verdict = this.#options.outcomes.settle(batch, attempts, outcome);
    if (typeof verdict === 'number') throw new RetryLater(verdict, outcome.ok ? '' : outcome.reason);
  }

  close(deadline: AbortSignal): Promise<void> {
    this.#closing ??= this.#close(deadline);
    return this.#closing;
  }

  /**
   * Hands everything to Redis: pending adds finish, the worker stops taking jobs and lets the
   * requests in flight end (cut off at `cut`, their jobs then go back to Redis as RetryLater(0)),
   * and the connections close (see closeWorkerAndQueue). Waiting and delayed jobs stay for the
   * next process.
   */
  async #close(cut: AbortSignal): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#adding]), untilAborted(cut)]);
    if (this.#adding.size > 0) {
      this.#options.logger.error({ batches: this.#adding.size }, 'webhook batches still being written to Redis at the shutdown deadline');
    }
    await closeWorkerAndQueue(this.#worker, this.#queue, cut, () => this.#stop.abort(), this.#options.logger, 'webhook');
  }
}
