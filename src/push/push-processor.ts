/**
 * Runs one queue job (see push-jobs.ts) and says what to queue next; the queues (memory, Redis)
 * only store and schedule. A fan-out job reads one page of the audience; a deliver job sends to
 * its devices (at most `concurrency` requests in flight in this process) and settles each:
 * delivered, removed (404/410: the device is deleted at once), failed (any other refusal), or
 * retried (429, 5xx, timeout) after the push service's Retry-After or an exponential backoff,
 * as long as that is before the publish's time_to_live runs out (then expired). For a publish to
 * users it also records each user's outcome and, once the publish is done, sends Beams'
 * v1.PublishToUsersAttempt webhook.
 */
import type { Logger } from '../shared/logger.js';
import type { PayloadEncryptor } from './encryption-pool.js';
import type { PublishStatusStore } from './publish-status.js';
import type { PushCounters } from './push-counters.js';
import type { DeliverJob, FanoutJob, FollowUp, PushJob } from './push-jobs.js';
import type { DeviceTarget, PushStore } from './push-store.js';
import type { PushWebhookEmitter } from './push-webhooks.js';
import { Semaphore } from './semaphore.js';
import type { VapidKeyring } from './vapid-keyring.js';
import type { SendOutcome, WebPushSender } from './web-push-sender.js';

export interface PushProcessorOptions {
  readonly store: PushStore;
  readonly keyring: VapidKeyring;
  readonly sender: Pick<WebPushSender, 'send'>;
  /** Encrypts a deliver job's payload for each of its devices (worker threads, or inline). */
  readonly encryptor: Pick<PayloadEncryptor, 'encrypt'>;
  readonly status: PublishStatusStore;
  readonly counters: PushCounters;
  readonly logger: Logger;
  readonly now: () => number;
  /** Requests to push services in flight at once in this process. */
  readonly concurrency: number;
  /** Devices read per fan-out job. */
  readonly fanoutPageSize: number;
  /** Devices per deliver job. */
  readonly deliverBatchSize: number;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Where the v1.PublishToUsersAttempt webhook goes when a publish to users is done (none: not tracked). */
  readonly webhooks?: PushWebhookEmitter;
}

export class PushProcessor {
  readonly #options: PushProcessorOptions;
  readonly #slots: Semaphore;

  constructor(options: PushProcessorOptions) {
    this.#options = options;
    this.#slots = new Semaphore(options.concurrency);
  }

  /**
   * Runs `job`. Once `drain` is aborted (a shutdown began) no new request starts; once `stop` is
   * (its deadline) requests in flight are cut. The devices not sent either way are handed back as
   * a follow-up, for the next process.
   */
  process(job: PushJob, stop: AbortSignal, drain: AbortSignal = stop): Promise<readonly FollowUp[]> {
    return job.kind === 'fanout' ? this.#fanout(job) : this.#deliver(job, stop, drain);
  }

  async #fanout(job: FanoutJob): Promise<readonly FollowUp[]> {
    const { store, status, fanoutPageSize, deliverBatchSize } = this.#options;
    const { appId, publishId } = job.publish;
    const page =
      job.target.kind === 'interests'
        ? await store.devicesForInterests(appId, job.target.names, job.after, fanoutPageSize)
        : await store.devicesForUsers(appId, job.target.ids, job.after, fanoutPageSize);
    const followUps: FollowUp[] = [];
    for (let start = 0; start < page.length; start += deliverBatchSize) {
      followUps.push({ job: { kind: 'deliver', publish: job.publish, devices: page.slice(start, start + deliverBatchSize), attempt: 0 }, delayMs: 0 });
    }
    const last = page[page.length - 1];
    const more = page.length === fanoutPageSize && last !== undefined;
    if (more) followUps.push({ job: { ...job, after: last.id }, delayMs: 0 });
    if (job.target.kind === 'users' && this.#options.webhooks !== undefined) await status.addUsers(publishId, { targeted: usersOf(page) });
    await status.add(publishId, more ? { targeted: page.length } : { targeted: page.length, fanoutDone: true });
    if (!more && job.target.kind === 'users') await this.reportUsers(appId, publishId);
    return followUps;
  }

  async #deliver(job: DeliverJob, stop: AbortSignal, drain: AbortSignal): Promise<readonly FollowUp[]> {
    const { keyring, sender, store, status, counters, now, logger } = this.#options;
    const { appId, publishId, expiresAt } = job.publish;
    const keys = await keyring.keysOf(appId);
    const startedAt = now();
    // A message whose time_to_live ran out while it waited here is not sent; one published with
    // TTL 0 ("now or never") is sent once, on its first attempt.
    if (startedAt >= expiresAt && (job.publish.ttlSeconds > 0 || job.attempt > 0)) {
      counters.count('expired', job.devices.length);
      if (this.#tracksUsers(job)) await status.addUsers(publishId, { failed: usersOf(job.devices) });
      await status.add(publishId, { expired: job.devices.length });
      if (this.#tracksUsers(job)) await this.reportUsers(appId, publishId);
      return [];
    }
    const ttlSeconds = Math.max(0, Math.floor((expiresAt - startedAt) / 1000));
    const message = { appId, keys, payload: job.publish.payload, ttlSeconds, urgency: job.publish.urgency, topic: job.publish.topic };
    const bodies = await this.#encrypt(job);
    const outcomes = await Promise.all(
      job.devices.map(async (device, index) => {
        if (bodies instanceof Error) {
          // The batch could not be encrypted (queue full, a thread died): worth trying again.
          const outcome: SendOutcome = { kind: 'retry', status: undefined, reason: bodies.message, retryAfterMs: undefined };
          return { device, outcome };
        }
        const body = bodies[index] ?? new Error('the encryptor returned no body for this device');
        return { device, outcome: await this.#slots.run(() => (drain.aborted || stop.aborted ? Promise.resolve(undefined) : sender.send(device, message, body, stop))) };
      }),
    );
    const again: DeviceTarget[] = [];
    const handedBack: DeviceTarget[] = [];
    let waitMs = 0;
    const tally = { delivered: 0, failed: 0, removed: 0, expired: 0 };
    for (const { device, outcome } of outcomes) {
      if (outcome === undefined || (outcome.kind === 'retry' && stop.aborted)) {
        handedBack.push(device);
        continue;
      }
      this.#settle(appId, device, outcome, tally, again);
      if (outcome.kind === 'retry') waitMs = Math.max(waitMs, outcome.retryAfterMs ?? 0);
    }
    await Promise.all(outcomes.filter(({ outcome }) => outcome?.kind === 'gone').map(({ device }) => store.deleteDevice(appId, device.id)));
    const followUps: FollowUp[] = [];
    const expiredDevices: DeviceTarget[] = [];
    if (handedBack.length > 0) followUps.push({ job: { ...job, devices: handedBack }, delayMs: 0 });
    if (again.length > 0) {
      const delayMs = Math.max(waitMs, this.#backoffMs(job.attempt));
      if (now() + delayMs < expiresAt) {
        counters.count('retried', again.length);
        followUps.push({ job: { ...job, devices: again, attempt: job.attempt + 1 }, delayMs });
      } else {
        expiredDevices.push(...again);
        tally.expired += again.length;
        counters.count('expired', again.length);
        logger.debug({ app: appId, publishId, devices: again.length }, 'push: no retry before time_to_live runs out');
      }
    }
    if (this.#tracksUsers(job)) {
      const settled = (kinds: readonly SendOutcome['kind'][]): readonly DeviceTarget[] =>
        outcomes.flatMap(({ device, outcome }) => (outcome !== undefined && kinds.includes(outcome.kind) ? [device] : []));
      const failed = [...settled(['rejected', 'gone']), ...expiredDevices];
      await status.addUsers(publishId, { delivered: usersOf(settled(['delivered'])), failed: usersOf(failed) });
    }
    await status.add(publishId, tally);
    if (this.#tracksUsers(job)) await this.reportUsers(appId, publishId);
    return followUps;
  }

  /** One body per device of the job, or the error that kept the whole batch from being encrypted. */
  async #encrypt(job: DeliverJob): Promise<readonly (Buffer | Error)[] | Error> {
    try {
      return await this.#options.encryptor.encrypt(
        job.devices.map(({ p256dh, auth }) => ({ p256dh, auth })),
        job.publish.payload,
      );
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.#options.logger.warn({ err: failure, app: job.publish.appId, publishId: job.publish.publishId }, 'push: a batch could not be encrypted; it is retried');
      return failure;
    }
  }

  /**
   * Sends v1.PublishToUsersAttempt once the publish to users is done (once across every node).
   * Never rejects: a failure here must not fail the job, whose devices were sent already.
   */
  async reportUsers(appId: string, publishId: string): Promise<void> {
    const { status, webhooks, logger } = this.#options;
    if (webhooks === undefined) return;
    let report;
    try {
      report = await status.claimUsersReport(appId, publishId);
    } catch (error) {
      logger.warn({ err: error, app: appId, publishId }, 'push: the users of a publish could not be read for its webhook');
      return;
    }
    if (report === undefined) return;
    const delivered = new Set(report.delivered);
    const targeted = new Set(report.targeted);
    webhooks.emit(appId, {
      type: 'v1.PublishToUsersAttempt',
      payload: {
        publish_id: publishId,
        users_delivered_to_gateway: report.users.filter((id) => delivered.has(id)),
        users_no_devices: report.users.filter((id) => !targeted.has(id)),
        users_gateway_failed: report.failed.filter((id) => !delivered.has(id)),
      },
    });
  }

  #settle(appId: string, device: DeviceTarget, outcome: SendOutcome, tally: { delivered: number; failed: number; removed: number }, again: DeviceTarget[]): void {
    const { counters, logger } = this.#options;
    switch (outcome.kind) {
      case 'delivered':
        tally.delivered += 1;
        counters.count('delivered');
        return;
      case 'gone':
        tally.removed += 1;
        counters.count('removed');
        return;
      case 'rejected':
        tally.failed += 1;
        counters.count('failed');
        logger.warn({ app: appId, device: device.id, status: outcome.status, reason: outcome.reason }, 'push: the push service refused a message');
        return;
      case 'retry':
        again.push(device);
        return;
    }
  }

  /** Users' outcomes are recorded only for a publish to users, and only when webhooks may want them. */
  #tracksUsers(job: DeliverJob): boolean {
    return job.publish.toUsers === true && this.#options.webhooks !== undefined;
  }

  #backoffMs(attempt: number): number {
    const { retryInitialDelayMs, retryMaxDelayMs } = this.#options;
    return Math.min(retryMaxDelayMs, retryInitialDelayMs * 2 ** Math.min(attempt, 20));
  }
}

function usersOf(devices: readonly DeviceTarget[]): string[] {
  return [...new Set(devices.flatMap((device) => (device.userId === undefined ? [] : [device.userId])))];
}
