/**
 * Subscription counting (protocol §3.13): on every subscribe and unsubscribe of a non-presence
 * channel, apps with `subscriptionCount` on get `pusher_internal:subscription_count` sent to all of
 * the channel's subscribers (and the `subscription_count` webhook). Channels above the threshold
 * are throttled as Pusher does: at most one event per interval, carrying the latest count.
 * Throttling is per node; each event carries the cluster-wide count.
 */
import type { App } from '../apps/app-store.js';
import type { Publication } from '../cluster/broker.js';
import { subscriptionCountEvent } from '../protocol/codec.js';
import { hasWebhooks, type WebhookSink } from './webhook-sink.js';

interface Throttled {
  readonly app: App;
  readonly channel: string;
  /** The latest count not sent yet. */
  pending: number | undefined;
  timer: NodeJS.Timeout;
}

export interface CountThrottle {
  readonly threshold: number;
  readonly intervalMs: number;
}

export class SubscriptionCounts {
  readonly #throttle: CountThrottle;
  readonly #webhooks: WebhookSink;
  readonly #publish: (publication: Publication) => void;
  readonly #throttled = new Map<string, Throttled>();

  constructor(throttle: CountThrottle, webhooks: WebhookSink, publish: (publication: Publication) => void) {
    this.#throttle = throttle;
    this.#webhooks = webhooks;
    this.#publish = publish;
  }

  /** A join or leave left `count` subscriptions on the channel, cluster-wide. */
  changed(app: App, channel: string, count: number): void {
    if (!app.subscriptionCount) return;
    const key = `${app.id}\0${channel}`;
    const throttled = this.#throttled.get(key);
    if (throttled !== undefined) {
      if (count > this.#throttle.threshold) {
        throttled.pending = count;
        return;
      }
      clearTimeout(throttled.timer);
      this.#throttled.delete(key);
    }
    this.#send(app, channel, count);
    if (count > this.#throttle.threshold) {
      this.#throttled.set(key, { app, channel, pending: undefined, timer: this.#schedule(key) });
    }
  }

  close(): void {
    for (const throttled of this.#throttled.values()) clearTimeout(throttled.timer);
    this.#throttled.clear();
  }

  #schedule(key: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.#windowEnded(key), this.#throttle.intervalMs);
    timer.unref();
    return timer;
  }

  #windowEnded(key: string): void {
    const throttled = this.#throttled.get(key);
    if (throttled === undefined) return;
    const count = throttled.pending;
    if (count === undefined) {
      this.#throttled.delete(key);
      return;
    }
    throttled.pending = undefined;
    this.#send(throttled.app, throttled.channel, count);
    if (count > this.#throttle.threshold) throttled.timer = this.#schedule(key);
    else this.#throttled.delete(key);
  }

  #send(app: App, channel: string, count: number): void {
    this.#publish({ appId: app.id, channel, ...subscriptionCountEvent(count) });
    if (hasWebhooks(app)) this.#webhooks.emit(app, { name: 'subscription_count', channel, subscription_count: count });
  }
}
