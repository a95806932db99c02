/**
 * Builds the webhook pipeline from the configuration (called by the composition root): the
 * Redis-backed queue when Redis is configured (`redis.url` or `redis.sentinels`), the in-process queue otherwise; nothing at all when
 * no app has a webhook endpoint.
 */
import type { AppStore } from '../apps/app-store.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { hasWebhooks, NO_WEBHOOKS, type WebhookSink } from '../core/webhook-sink.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { MemoryDeliveryQueue } from './memory-delivery-queue.js';
import { WebhookCounterSet, type WebhookMetrics } from './metrics.js';
import { RedisDeliveryQueue } from './redis-delivery-queue.js';
import { redisTargetOf } from '../config/redis-target.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookHealth } from './webhook-health.js';
import type { DebugTap } from '../core/debug-tap.js';
import { WebhookSender } from './webhook-sender.js';

export interface Webhooks {
  readonly sink: WebhookSink;
  readonly metrics: WebhookMetrics;
  /** Each endpoint's last outcome and failures (the dashboard). */
  readonly health: WebhookHealth;
  /** Batches waiting, delayed for a retry or in flight (see DeliveryQueue.depth). */
  queueDepth(): Promise<number>;
  /** Flushes open batches and drains (memory) or hands off (Redis) the queue; see DeliveryQueue. */
  close(deadline: AbortSignal): Promise<void>;
}

export interface WebhookDependencies {
  readonly apps: AppStore;
  readonly logger: Logger;
  readonly now: () => number;
  /** The debug console's tap: settled attempts are reported to it. */
  readonly tap?: DebugTap;
}

export async function createWebhooks(config: Config, deps: WebhookDependencies): Promise<Webhooks> {
  const counters = new WebhookCounterSet();
  const health = new WebhookHealth(deps.tap, deps.now);
  // With an app store, any app may get endpoints at any time: the pipeline is always there.
  if (config.appStore.url === undefined && !config.apps.some(hasWebhooks)) return { sink: NO_WEBHOOKS, metrics: counters, health, queueDepth: () => Promise.resolve(0), close: () => Promise.resolve() };

  const settings = config.webhooks;
  const logger = deps.logger.child({ component: 'webhooks' });
  const outcomes = new DeliveryOutcomes(
    counters,
    logger,
    { initialDelayMs: settings.retryInitialDelayMs, maxDelayMs: settings.retryMaxDelayMs, periodMs: settings.retryPeriodMs },
    deps.now,
    health,
  );
  const send = new WebhookSender(deps.apps, settings.requestTimeoutMs).send;
  const common = {
    send,
    outcomes,
    concurrency: settings.concurrency,
    maxInFlightPerEndpoint: Math.min(settings.maxInFlightPerEndpoint, settings.concurrency),
    maxQueuedBatches: settings.maxQueuedBatches,
  };
  const redis = redisTargetOf(config);
  const queue: DeliveryQueue =
    redis === undefined
      ? new MemoryDeliveryQueue(common)
      : await RedisDeliveryQueue.open({ ...common, target: redis, prefix: `${config.redis.keyPrefix}webhooks`, logger });
  const dispatcher = new WebhookDispatcher({
    batching: { windowMs: settings.batchWindowMs, size: settings.batchSize },
    queue,
    outcomes,
    logger,
    now: deps.now,
  });
  return { sink: dispatcher, metrics: counters, health, queueDepth: () => queue.depth(), close: (deadline) => dispatcher.close(deadline) };
}
