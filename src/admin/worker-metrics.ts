/**
 * Metrics under `--workers N`: one admin listener for the whole box. The primary serves it and,
 * at each scrape, asks every worker for its registry over the cluster IPC (prom-client's
 * AggregatorRegistry); counters, gauges and histograms of the workers are summed.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Exposition } from '../observe/node-metrics.js';

/** In a worker: answer the primary's scrape requests with this registry. */
export function shareWorkerMetrics(registry: Registry): void {
  // Constructing one installs prom-client's IPC listener in this process; setRegistries alone does not.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/**
 * In the primary: every connected worker's metrics, summed. A worker that does not answer within
 * prom-client's 5 s fails the scrape (500 from the admin listener), rather than hiding its share.
 */
export function clusterExposition(): () => Promise<Exposition> {
  const aggregator = new AggregatorRegistry();
  return async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() });
}
