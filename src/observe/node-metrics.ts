/**
 * The metrics registry of one process (prom-client, Prometheus text format). Histograms are
 * observed as things happen, off the per-message path (an HTTP API request, a shared-state
 * operation), into plain numbers that prom-client formats at a scrape (series-histogram.ts);
 * everything counted per message is kept by core as plain integers
 * (core/core-counters.ts) and read by `collect()` callbacks only when the registry is scraped
 * (scrape-collectors.ts). Every metric is documented in docs/metrics.md.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';
import { registerScrapeCollectors, type ScrapeSources } from './scrape-collectors.js';

/** Seconds; from a local Redis round trip to a request that hit its deadline. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly #apiRequests: SeriesHistogram<'route' | 'method' | 'status'>;
  readonly #stateOperations: SeriesHistogram<'operation'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.#apiRequests = new SeriesHistogram({
      name: 'switchboard_http_api_request_duration_seconds',
      help: 'HTTP API requests by route pattern, method and status, and how long each took to answer.',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registry: this.registry,
    });
    this.#stateOperations = new SeriesHistogram({
      name: 'switchboard_state_operation_duration_seconds',
      help: 'Shared-state operations core awaits for a client (connections.add/remove, channels.join/leave), by operation.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registry: this.registry,
    });
  }

  /** Reads the per-message totals and the state of this process at each scrape. */
  attach(sources: ScrapeSources): void {
    registerScrapeCollectors(this.registry, sources);
  }

  readonly observeApiRequest = (route: string, method: string, status: number, seconds: number): void => {
    this.#apiRequests.observe([route, method, String(status)], seconds);
  };

  readonly observeStateOperation = (operation: string, seconds: number): void => {
    this.#stateOperations.observe([operation], seconds);
  };

  async expose(): Promise<Exposition> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
