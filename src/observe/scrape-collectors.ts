/**
 * Metrics read at scrape time: core's plain totals (core/core-counters.ts), the open connections
 * and local channels of this process, and the webhook pipeline. Nothing here runs per message.
 * Labels are bounded: app id, transport, close code, channel type, outcome.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AppCounters, CoreCounters } from '../core/core-counters.js';
import type { Engine } from '../core/engine.js';
import type { LogOutputStats } from '../shared/log-writer.js';
import { channelType, type ChannelType } from '../protocol/channels.js';
import type { WebhookCounters } from '../webhooks/metrics.js';

export interface ScrapeSources {
  /** Configured apps: their series are present (at 0) before their first connection. */
  readonly appIds: readonly string[];
  readonly counters: CoreCounters;
  readonly engine: Pick<Engine, 'connections' | 'hub' | 'clusterNodes'>;
  readonly webhooks: {
    snapshot(): WebhookCounters;
    /** Batches waiting or in flight; undefined when it cannot be read in time. */
    queueDepth(): Promise<number | undefined>;
  };
  /** The process's log output (stdout through a LogWriter); absent when logs go elsewhere. */
  readonly log?: LogOutputStats | undefined;
}

/** `public`, `private-cache`, `presence`, `encrypted`, `user`, ... */
export function channelTypeLabel(type: ChannelType): string {
  return type.cache ? `${type.kind}-cache` : type.kind;
}

type AppTotal = Exclude<keyof AppCounters, 'opened' | 'closed' | 'connectionOpened' | 'connectionClosed'>;

const APP_TOTALS: readonly (readonly [string, AppTotal, string])[] = [
  ['switchboard_api_messages_total', 'apiMessages', 'Messages accepted by the HTTP API: one per event per channel.'],
  ['switchboard_deliveries_total', 'deliveries', 'Messages queued to subscribers on this node: one per recipient.'],
  ['switchboard_client_events_total', 'clientEvents', 'client-* events accepted from clients on this node.'],
  ['switchboard_received_bytes_total', 'receivedBytes', 'Message text received from clients (characters; bytes for ASCII).'],
  ['switchboard_sent_bytes_total', 'sentBytes', 'Message text queued to clients (UTF-8 bytes, without framing).'],
  ['switchboard_slow_consumer_closes_total', 'slowConsumerCloses', 'Connections closed with 4100 because their reader fell behind.'],
];

export function registerScrapeCollectors(registry: Registry, sources: ScrapeSources): void {
  const { counters } = sources;
  for (const appId of sources.appIds) counters.app(appId);
  const registers = [registry];

  for (const [name, field, help] of APP_TOTALS) {
    new Counter({
      name,
      help,
      labelNames: ['app'],
      registers,
      collect() {
        this.reset();
        for (const [app, totals] of counters.apps()) this.inc({ app }, totals[field]);
      },
    });
  }
  new Counter({
    name: 'switchboard_connections_opened_total',
    help: 'Connections admitted (connection_established sent), by app and transport.',
    labelNames: ['app', 'transport'],
    registers,
    collect() {
      this.reset();
      for (const [app, totals] of counters.apps()) for (const [transport, count] of totals.opened) this.inc({ app, transport }, count);
    },
  });
  new Counter({
    name: 'switchboard_connections_closed_total',
    help: 'Connections closed, by app, transport and close code (the code of the side that closed first).',
    labelNames: ['app', 'transport', 'code'],
    registers,
    collect() {
      this.reset();
      for (const [app, totals] of counters.apps()) {
        for (const { transport, code, count } of totals.closed.values()) this.inc({ app, transport, code: String(code) }, count);
      }
    },
  });
  new Counter({
    name: 'switchboard_bus_publish_failures_total',
    help: 'Publications the bus (Redis or NATS) failed to take: the other nodes missed them.',
    registers,
    collect() {
      this.reset();
      this.inc(counters.busPublishFailures);
    },
  });
  new Gauge({
    name: 'switchboard_cluster_nodes',
    help: 'Nodes this node sees alive in the cluster (heartbeat current), itself included; 1 without Redis or NATS.',
    registers,
    // Under --workers every worker is a node and sees the same cluster: the box reports the most any saw.
    aggregator: 'max',
    collect() {
      this.set(sources.engine.clusterNodes);
    },
  });
  registerLogMetrics(sources.log, registers);
  registerStateGauges(sources, registers);
  registerWebhookMetrics(sources, registers);
}

/** The bounded log output (log-writer.ts): 0 when logs do not go through one. */
function registerLogMetrics(log: LogOutputStats | undefined, registers: Registry[]): void {
  new Counter({
    name: 'switchboard_log_dropped_lines_total',
    help: 'Log lines dropped because stdout was not read fast enough and log.maxBufferedBytes was full.',
    registers,
    collect() {
      this.reset();
      this.inc(log?.droppedLines ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_log_buffered_bytes',
    help: 'Log output waiting for stdout to take it (at most log.maxBufferedBytes).',
    registers,
    collect() {
      this.set(log?.bufferedBytes ?? 0);
    },
  });
}

/** Open connections, subscriptions and channels of this process, counted at scrape time. */
function registerStateGauges(sources: ScrapeSources, registers: Registry[]): void {
  const { engine, appIds } = sources;
  new Gauge({
    name: 'switchboard_connections',
    help: 'Open connections of the app on this node, WebSocket and HTTP sessions together.',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      const open = new Map<string, number>(appIds.map((app) => [app, 0]));
      for (const connection of engine.connections()) open.set(connection.app.id, (open.get(connection.app.id) ?? 0) + 1);
      for (const [app, count] of open) this.set({ app }, count);
    },
  });
  new Gauge({
    name: 'switchboard_subscriptions',
    help: 'Confirmed subscriptions of open connections on this node, by app and channel type.',
    labelNames: ['app', 'type'],
    registers,
    collect() {
      this.reset();
      for (const connection of engine.connections()) {
        for (const subscription of connection.subscriptions.values()) {
          this.inc({ app: connection.app.id, type: channelTypeLabel(subscription.type) });
        }
      }
    },
  });
  new Gauge({
    name: 'switchboard_channels',
    help: 'Channels with at least one subscriber on this node, by app and channel type.',
    labelNames: ['app', 'type'],
    registers,
    collect() {
      this.reset();
      for (const [app, channel] of engine.hub.channels()) this.inc({ app, type: channelTypeLabel(channelType(channel)) });
    },
  });
}

function registerWebhookMetrics(sources: ScrapeSources, registers: Registry[]): void {
  const { webhooks } = sources;
  new Counter({
    name: 'switchboard_webhook_batches_total',
    help: 'Webhook requests (batches) by outcome: sent (2xx in time), failed_attempt, retried, dropped.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      const totals = webhooks.snapshot();
      this.inc({ outcome: 'sent' }, totals.sent);
      this.inc({ outcome: 'failed_attempt' }, totals.failedAttempts);
      this.inc({ outcome: 'retried' }, totals.retried);
      this.inc({ outcome: 'dropped' }, totals.dropped);
    },
  });
  new Counter({
    name: 'switchboard_webhook_events_total',
    help: 'Events in webhook batches by outcome: sent or dropped.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      const totals = webhooks.snapshot();
      this.inc({ outcome: 'sent' }, totals.sentEvents);
      this.inc({ outcome: 'dropped' }, totals.droppedEvents);
    },
  });
  new Gauge({
    name: 'switchboard_webhook_queue_depth',
    help: 'Webhook batches waiting for delivery, a retry or in flight (in Redis: the whole queue).',
    registers,
    async collect() {
      const depth = await webhooks.queueDepth();
      if (depth === undefined) this.reset();
      else this.set(depth);
    },
  });
}
