/**
 * Builds Beams' webhook pipeline for push (see push-webhooks.ts) on the project's webhook
 * delivery queue: in Redis under `{redis.keyPrefix}push-webhooks` when Redis is configured, in
 * this process otherwise; the `webhooks.*` settings (timeout, concurrency, retries, queue bound)
 * apply. Nothing is built when no app can have push webhooks (no app store, none configured).
 */
import { Counter, type Registry } from 'prom-client';
import type { AppStore } from '../apps/app-store.js';
import { redisTargetOf } from '../config/redis-target.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { DeliveryOutcomes } from '../webhooks/delivery-outcomes.js';
import type { DeliveryQueue } from '../webhooks/delivery-queue.js';
import { MemoryDeliveryQueue } from '../webhooks/memory-delivery-queue.js';
import { WebhookCounterSet } from '../webhooks/metrics.js';
import { RedisDeliveryQueue } from '../webhooks/redis-delivery-queue.js';
import { pushWebhookSender } from './push-webhook-sender.js';
import { NO_PUSH_WEBHOOKS, PushWebhooks, type PushWebhookEmitter } from './push-webhooks.js';

export interface PushWebhookPipeline {
  readonly emitter: PushWebhookEmitter;
  close(deadline: AbortSignal): Promise<void>;
}

export async function createPushWebhooks(
  config: Config,
  deps: { readonly apps: AppStore; readonly registry: Registry; readonly logger: Logger; readonly now: () => number },
): Promise<PushWebhookPipeline> {
  if (config.appStore.url === undefined && !config.apps.some((app) => app.pushWebhooks.length > 0)) {
    return { emitter: NO_PUSH_WEBHOOKS, close: () => Promise.resolve() };
  }
  const settings = config.webhooks;
  const logger = deps.logger.child({ component: 'push-webhooks' });
  const counters = new WebhookCounterSet();
  registerPushWebhookMetrics(deps.registry, counters);
  const outcomes = new DeliveryOutcomes(
    counters,
    logger,
    { initialDelayMs: settings.retryInitialDelayMs, maxDelayMs: settings.retryMaxDelayMs, periodMs: settings.retryPeriodMs },
    deps.now,
  );
  const common = {
    send: pushWebhookSender(deps.apps, settings.requestTimeoutMs),
    outcomes,
    concurrency: settings.concurrency,
    maxInFlightPerEndpoint: Math.min(settings.maxInFlightPerEndpoint, settings.concurrency),
    maxQueuedBatches: settings.maxQueuedBatches,
  };
  const redis = redisTargetOf(config);
  const queue: DeliveryQueue =
    redis === undefined
      ? new MemoryDeliveryQueue(common)
      : await RedisDeliveryQueue.open({ ...common, target: redis, prefix: `${config.redis.keyPrefix}push-webhooks`, logger });
  const webhooks = new PushWebhooks({ apps: deps.apps, queue, logger, now: deps.now });
  return { emitter: webhooks, close: (deadline) => webhooks.close(deadline) };
}

function registerPushWebhookMetrics(registry: Registry, counters: WebhookCounterSet): void {
  new Counter({
    name: 'switchboard_push_webhooks_total',
    help: "Beams webhook requests (push notifications) by outcome: sent (2xx), failed_attempt (no 2xx in time), retried, dropped (retry period over, queue full, endpoint gone, shutdown).",
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      const snapshot = counters.snapshot();
      this.inc({ outcome: 'sent' }, snapshot.sent);
      this.inc({ outcome: 'failed_attempt' }, snapshot.failedAttempts);
      this.inc({ outcome: 'retried' }, snapshot.retried);
      this.inc({ outcome: 'dropped' }, snapshot.dropped);
    },
  });
}
