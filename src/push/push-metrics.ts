/**
 * Push notification metrics, read at scrape time from PushCounters (nothing runs per message):
 * publishes accepted, messages by outcome, and the queue's depth (left out of a scrape when it
 * cannot be read within a second, as the webhook queue's is).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { SEND_OUTCOMES, type PushCounters } from './push-counters.js';

const DEPTH_DEADLINE_MS = 1_000;

export function registerPushMetrics(registry: Registry, counters: PushCounters, queueDepth: () => Promise<number>): void {
  const registers = [registry];
  new Counter({
    name: 'switchboard_push_publishes_total',
    help: 'Push notification publishes accepted by this process (publishToInterests and publishToUsers).',
    registers,
    collect() {
      this.reset();
      this.inc(counters.publishes);
    },
  });
  new Counter({
    name: 'switchboard_push_notifications_total',
    help: 'Web Push messages by outcome: delivered (2xx from the push service), retried (429/5xx/timeout, tried again), failed (refused for good), expired (time_to_live ran out before delivery), removed (404/410: the device was deleted).',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      for (const outcome of SEND_OUTCOMES) this.inc({ outcome }, counters.outcomes[outcome]);
    },
  });
  new Gauge({
    name: 'switchboard_push_queue_depth',
    help: 'Push queue jobs waiting, delayed for a retry or running (Redis: of every node on the prefix); absent when it cannot be read within 1 s.',
    registers,
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), DEPTH_DEADLINE_MS)));
      const depth = await Promise.race([queueDepth().catch(() => undefined), late]).finally(() => clearTimeout(timer));
      if (depth !== undefined) this.set(depth);
    },
  });
}
