/**
 * A Prometheus histogram whose observe is a Map lookup and a few number writes, for what is
 * observed per client action (shared-state operations, HTTP API requests). prom-client's
 * Histogram validates and hashes the label object on every observe, which cost 2% of a presence
 * churn cycle (bench/instructions-presence.ts: about 22,000 instructions of 1,060,000, for its
 * state operations) whether or not anything ever scrapes. Here each combination of label values
 * is a series kept in plain numbers, and prom-client formats the series only when the registry is
 * scraped: it reads every registered metric through `get()`, which answers what prom-client's
 * own Histogram answers (cumulative `_bucket` lines with `le`, then `+Inf`, `_sum`, `_count`),
 * so the text, the JSON and the --workers aggregation (summed) are the same.
 */
import type { Metric, Registry } from 'prom-client';

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative; the last one is over every bound (+Inf only). */
  readonly counts: number[];
  sum: number;
  count: number;
}

export interface SeriesHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, ascending. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
}

interface ExportedValue {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/** Joins the label values of a series into its key; no label value holds it. */
const KEY_SEPARATOR = '\u0000';

export class SeriesHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #labelNames: readonly L[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(options: SeriesHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    this.#bounds = options.buckets;
    // The registry takes any metric that answers get() (and reset()); its types list only its own classes.
    options.registry.registerMetric(this as unknown as Metric);
  }

  /**
   * One observation; `labelValues` in the order of `labelNames`. A value that is not a finite
   * number is ignored (prom-client would throw from the caller's path).
   */
  observe(labelValues: readonly string[], value: number): void {
    if (!Number.isFinite(value)) return;
    const key = labelValues.length === 1 ? (labelValues[0] ?? '') : labelValues.join(KEY_SEPARATOR);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.#newSeries(labelValues);
      this.#series.set(key, series);
    }
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] ?? Number.POSITIVE_INFINITY)) bucket += 1;
    series.counts[bucket] = (series.counts[bucket] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  /** What prom-client's registry formats at a scrape. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const bucketName = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += series.counts[index] ?? 0;
        values.push({ metricName: bucketName, labels: { ...series.labels, le: bound }, value: cumulative });
      });
      values.push({ metricName: bucketName, labels: { ...series.labels, le: '+Inf' }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Registry.resetMetrics(). */
  reset(): void {
    this.#series.clear();
  }

  #newSeries(labelValues: readonly string[]): Series {
    const labels: Record<string, string> = {};
    this.#labelNames.forEach((name, index) => {
      labels[name] = labelValues[index] ?? '';
    });
    return { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
  }
}
