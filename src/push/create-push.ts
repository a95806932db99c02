/**
 * Builds the push notification feature from the configuration (called by the composition root):
 * nothing when `push.enabled` is off; otherwise the devices in the storage layer, the delivery
 * queue and publish statuses on Redis when Redis is configured (durable, shared by every node)
 * or in this process otherwise, and the routes of the Beams API.
 */
import type { IncomingMessage } from 'node:http';
import { availableParallelism } from 'node:os';
import type { Registry } from 'prom-client';
import type { AppStore } from '../apps/app-store.js';
import { connectRedis } from '../cluster/redis/redis-client.js';
import { redisTargetOf } from '../config/redis-target.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { RatePerKey } from '../shared/rate-per-key.js';
import type { Route } from '../http/router.js';
import type { LazyStorage } from '../storage/lazy-storage.js';
import { StorageUnavailableError } from '../storage/storage-errors.js';
import { createPushWebhooks } from './create-push-webhooks.js';
import { NO_PUSH_WEBHOOKS } from './push-webhooks.js';
import { EncryptionPool, InlineEncryptor, type PayloadEncryptor } from './encryption-pool.js';
import { endpointPolicy } from './endpoint-policy.js';
import { MemoryPushQueue } from './memory-push-queue.js';
import { MemoryPublishStatusStore, RedisPublishStatusStore, type PublishStatusStore } from './publish-status.js';
import { PushCounters } from './push-counters.js';
import { registerPushMetrics } from './push-metrics.js';
import { PushProcessor } from './push-processor.js';
import type { PushQueue } from './push-queue.js';
import { pushRoutes } from './push-routes.js';
import { RedisPushQueue } from './redis-push-queue.js';
import { SqlPushStore } from './sql-push-store.js';
import { VapidKeyring } from './vapid-keyring.js';
import { WebPushSender } from './web-push-sender.js';

export interface Push {
  readonly routes: readonly Route[];
  /** Stops delivering by `deadline`: the memory queue drops what is left, Redis keeps it. */
  close(deadline: AbortSignal): Promise<void>;
}

export interface PushDependencies {
  readonly apps: AppStore;
  readonly storage: LazyStorage;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now: () => number;
  /** The client's address, as the perAddress limits see it (http.trustProxy). */
  readonly clientAddressOf: (request: IncomingMessage) => string;
}

/** Apps whose publish rate is remembered (more apps than this only refill the oldest early). */
const MAX_RATE_KEYS = 100_000;
/** Devices read per fan-out job, and per deliver job. */
const FANOUT_PAGE_SIZE = 1_000;
const DELIVER_BATCH_SIZE = 100;
/** Batches waiting for an encryption thread: at most push.jobConcurrency (1,000) run at once, so this is never reached in use. */
const MAX_QUEUED_BATCHES = 1_000;

/**
 * Worker threads when `push.encryptionThreads` is set (0: the main thread), else all cores but
 * two: on this project's 2-core machine, with the push service beside it, encryption on the main
 * thread delivered 3,841 messages/s and one thread 2,983/s (bench/README.md).
 */
function encryptorOf(threads: number | undefined): PayloadEncryptor {
  const count = threads ?? Math.max(0, availableParallelism() - 2);
  return count === 0 ? new InlineEncryptor() : new EncryptionPool({ threads: count, maxQueued: MAX_QUEUED_BATCHES });
}

export const NO_PUSH: Push = { routes: [], close: () => Promise.resolve() };

export async function createPush(config: Config, deps: PushDependencies): Promise<Push> {
  const settings = config.push;
  if (!settings.enabled) return NO_PUSH;
  const logger = deps.logger.child({ component: 'push' });
  const store = new SqlPushStore(await deps.storage.get(), deps.now);
  const keyring = new VapidKeyring(store);
  const counters = new PushCounters();
  const redis = redisTargetOf(config);
  const prefix = `${config.redis.keyPrefix}push`;
  const status: PublishStatusStore =
    redis === undefined ? new MemoryPublishStatusStore() : new RedisPublishStatusStore(await connectRedis({ target: redis, name: 'switchboard-push-status' }), `${prefix}:`);
  const sender = new WebPushSender({ subject: settings.vapidSubject, timeoutMs: settings.requestTimeoutMs, now: deps.now });
  const webhooks = await createPushWebhooks(config, deps);
  const encryptor = encryptorOf(settings.encryptionThreads);
  const processor = new PushProcessor({
    store,
    keyring,
    sender,
    encryptor,
    status,
    counters,
    logger,
    now: deps.now,
    concurrency: settings.concurrency,
    fanoutPageSize: FANOUT_PAGE_SIZE,
    deliverBatchSize: DELIVER_BATCH_SIZE,
    retryInitialDelayMs: settings.retryInitialDelayMs,
    retryMaxDelayMs: settings.retryMaxDelayMs,
    ...(webhooks.emitter === NO_PUSH_WEBHOOKS ? {} : { webhooks: webhooks.emitter }),
  });
  const common = { processor, logger, concurrency: settings.jobConcurrency, maxQueuedJobs: settings.maxQueuedJobs };
  let queue: PushQueue;
  try {
    queue = redis === undefined ? new MemoryPushQueue(common) : await RedisPushQueue.open({ ...common, target: redis, prefix });
  } catch (error) {
    await status.close();
    await webhooks.close(AbortSignal.timeout(0));
    await encryptor.close();
    throw error;
  }
  registerPushMetrics(deps.registry, counters, () => queue.depth());
  const routes = pushRoutes(
    {
      apps: deps.apps,
      store,
      keyring,
      queue,
      status,
      counters,
      rate: new RatePerKey(settings.publishesPerSecond, 1_000, MAX_RATE_KEYS, deps.now),
      registrations:
        settings.registrationsPerMinute === undefined ? undefined : new RatePerKey(settings.registrationsPerMinute, 60_000, config.perAddress.maxTrackedAddresses, deps.now),
      clientAddressOf: deps.clientAddressOf,
      logger,
      now: deps.now,
      endpointAllowed: endpointPolicy(settings),
      webhooks: webhooks.emitter,
      reportUsers: (appId, publishId) => processor.reportUsers(appId, publishId),
    },
    (error) => error instanceof StorageUnavailableError,
  );
  return {
    routes,
    close: async (deadline) => {
      await queue.close(deadline);
      // After the queue: its last jobs may still send v1.PublishToUsersAttempt.
      await webhooks.close(deadline);
      sender.close();
      await encryptor.close();
      await status.close();
    },
  };
}
