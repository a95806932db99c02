/**
 * Beams' webhooks (docs/push.md): `v1.PublishToUsersAttempt` when a publish to users is over,
 * `v1.UserNotificationAcknowledgement` and `v1.UserNotificationOpen` when the service worker of a
 * device that has a user reports a delivery or an open. Each event is one request to each of the
 * app's `pushWebhooks` endpoints that accepts its type, in Beams' body
 * (`{payload, metadata: {created_at, event_type, event_id, product}, custom_data}`), through the
 * project's webhook delivery queue (memory or Redis: bounded, retried with backoff, see
 * webhooks/delivery-queue.ts). `emit` does no waiting on the network and never throws.
 */
import { randomUUID } from 'node:crypto';
import type { AppStore } from '../apps/app-store.js';
import type { PushWebhookConfig } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import type { DeliveryQueue } from '../webhooks/delivery-queue.js';

export type PushWebhookEvent =
  | {
      readonly type: 'v1.PublishToUsersAttempt';
      readonly payload: {
        readonly publish_id: string;
        readonly users_delivered_to_gateway: readonly string[];
        readonly users_no_devices: readonly string[];
        readonly users_gateway_failed: readonly string[];
      };
    }
  | { readonly type: 'v1.UserNotificationAcknowledgement' | 'v1.UserNotificationOpen'; readonly payload: { readonly publish_id: string; readonly user_id: string } };

export interface PushWebhookEmitter {
  emit(appId: string, event: PushWebhookEvent): void;
}

export const NO_PUSH_WEBHOOKS: PushWebhookEmitter = { emit: () => undefined };

/** Beams' `created_at`: `2019-03-11T10:42:16+0000`. */
export function beamsTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

export function pushWebhookAccepts(target: PushWebhookConfig, type: PushWebhookEvent['type']): boolean {
  return target.events === undefined || target.events.includes(type);
}

export class PushWebhooks implements PushWebhookEmitter {
  readonly #apps: AppStore;
  readonly #queue: DeliveryQueue;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(options: { apps: AppStore; queue: DeliveryQueue; logger: Logger; now: () => number }) {
    this.#apps = options.apps;
    this.#queue = options.queue;
    this.#logger = options.logger;
    this.#now = options.now;
  }

  emit(appId: string, event: PushWebhookEvent): void {
    void this.#enqueue(appId, event).catch((error: unknown) => this.#logger.error({ err: error, app: appId, event: event.type }, 'push webhook could not be queued'));
  }

  async #enqueue(appId: string, event: PushWebhookEvent): Promise<void> {
    const app = await this.#apps.findById(appId);
    if (app === undefined) return;
    const now = this.#now();
    for (const target of app.pushWebhooks) {
      if (!pushWebhookAccepts(target, event.type)) continue;
      // event_id is per request and stays the same on retries (Beams: "to detect retries").
      const body = JSON.stringify({
        payload: { instance_id: app.id, ...event.payload },
        metadata: { created_at: beamsTimestamp(now), event_type: event.type, event_id: randomUUID(), product: 'beams' },
        custom_data: target.customData ?? {},
      });
      this.#queue.enqueue({ appId: app.id, url: target.url, body, createdAt: now, eventCount: 1 });
    }
  }

  close(deadline: AbortSignal): Promise<void> {
    return this.#queue.close(deadline);
  }
}
