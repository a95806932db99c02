/** PushQueue in this process (see push-queue.ts). */
import type { Logger } from '../shared/logger.js';
import { untilAborted } from '../shared/until-aborted.js';
import type { FollowUp, PushJob } from './push-jobs.js';
import type { PushProcessor } from './push-processor.js';
import { PushQueueFullError, type PushQueue } from './push-queue.js';

export interface MemoryPushQueueOptions {
  readonly processor: Pick<PushProcessor, 'process'>;
  readonly logger: Logger;
  /** Jobs run at once. */
  readonly concurrency: number;
  /** New publishes are refused while this many jobs wait (follow-ups of running ones are always taken). */
  readonly maxQueuedJobs: number;
}

export class MemoryPushQueue implements PushQueue {
  readonly #options: MemoryPushQueueOptions;
  readonly #ready: PushJob[] = [];
  readonly #delayed = new Map<NodeJS.Timeout, PushJob>();
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;

  constructor(options: MemoryPushQueueOptions) {
    this.#options = options;
  }

  add(job: PushJob): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(new PushQueueFullError('the push queue is shutting down'));
    if (this.#ready.length + this.#delayed.size >= this.#options.maxQueuedJobs) return Promise.reject(new PushQueueFullError('the push queue is full'));
    this.#push(job);
    return Promise.resolve();
  }

  depth(): Promise<number> {
    return Promise.resolve(this.#ready.length + this.#delayed.size + this.#running.size);
  }

  #push(job: PushJob): void {
    this.#ready.push(job);
    this.#pump();
  }

  #schedule(followUp: FollowUp): void {
    if (followUp.delayMs <= 0) return this.#push(followUp.job);
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      this.#push(followUp.job);
    }, followUp.delayMs);
    timer.unref();
    this.#delayed.set(timer, followUp.job);
  }

  #pump(): void {
    while (!this.#stop.signal.aborted && this.#closing === undefined && this.#running.size < this.#options.concurrency && this.#ready.length > 0) {
      const job = this.#ready.shift();
      if (job === undefined) return;
      const running = this.#run(job).finally(() => {
        this.#running.delete(running);
        this.#pump();
      });
      this.#running.add(running);
    }
  }

  async #run(job: PushJob): Promise<void> {
    try {
      const followUps = await this.#options.processor.process(job, this.#stop.signal);
      for (const followUp of followUps) this.#schedule(followUp);
    } catch (error) {
      // The store was away: the job is tried again after a pause rather than lost.
      this.#options.logger.warn({ err: error, kind: job.kind, publishId: job.publish.publishId }, 'push job failed; trying it again in 1 s');
      this.#schedule({ job, delayMs: 1_000 });
    }
  }

  close(deadline: AbortSignal): Promise<void> {
    this.#closing ??= this.#close(deadline);
    return this.#closing;
  }

  async #close(deadline: AbortSignal): Promise<void> {
    const aborted = untilAborted(deadline);
    void aborted.then(() => this.#stop.abort());
    await Promise.race([Promise.allSettled([...this.#running]), aborted]);
    this.#stop.abort();
    await Promise.allSettled([...this.#running]);
    for (const timer of this.#delayed.keys()) clearTimeout(timer);
    const left = this.#ready.length + this.#delayed.size;
    if (left > 0) this.#options.logger.warn({ jobs: left }, 'push jobs dropped at shutdown (the memory queue does not outlive the process; use Redis)');
    this.#ready.length = 0;
    this.#delayed.clear();
  }
}
