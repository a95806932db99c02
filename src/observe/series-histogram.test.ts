import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
/** Values on, between, under and over the bounds, for two label combinations. */
const OBSERVATIONS: readonly [string, string, number][] = [
  ['join', 'a', 0],
  ['join', 'a', 0.001],
  ['join', 'a', 0.0011],
  ['join', 'a', 0.5],
  ['join', 'a', 1],
  ['join', 'a', 7],
  ['leave', 'b"\\\n', 0.02],
  ['leave', 'b"\\\n', 0.02],
];

function both(): { ours: Registry; theirs: Registry } {
  const ours = new Registry();
  const theirs = new Registry();
  const series = new SeriesHistogram({ name: 'h_seconds', help: 'A histogram.', labelNames: ['operation', 'who'], buckets: BUCKETS, registry: ours });
  const histogram = new Histogram({ name: 'h_seconds', help: 'A histogram.', labelNames: ['operation', 'who'], buckets: BUCKETS, registers: [theirs] });
  for (const [operation, who, value] of OBSERVATIONS) {
    series.observe([operation, who], value);
    histogram.observe({ operation, who }, value);
  }
  return { ours, theirs };
}

/** Each sample line with its labels in name order: the exposition, whatever order prom-client writes labels in. */
function samples(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const match = /^([^{ ]+)\{(.*)\} (\S+)$/.exec(line);
      if (match === null) return line;
      const labels = (match[2] ?? '').match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
      return `${match[1]}{${[...labels].sort().join(',')}} ${match[3]}`;
    })
    .sort();
}

describe('SeriesHistogram', () => {
  it('exposes exactly what prom-client\'s Histogram exposes for the same observations', async () => {
    const { ours, theirs } = both();
    const text = await ours.metrics();
    assert.deepEqual(samples(text), samples(await theirs.metrics()));
    assert.match(text, /h_seconds_bucket\{.*le="\+Inf".*\} 6/);
    assert.match(text, /h_seconds_sum\{operation="join",who="a"\} 8\.5021/);
  });

  it('sums across processes as prom-client\'s cluster aggregation does (--workers)', async () => {
    const first = both();
    const second = both();
    const ours = AggregatorRegistry.aggregate([await first.ours.getMetricsAsJSON(), await second.ours.getMetricsAsJSON()]);
    const theirs = AggregatorRegistry.aggregate([await first.theirs.getMetricsAsJSON(), await second.theirs.getMetricsAsJSON()]);
    assert.deepEqual(samples(await ours.metrics()), samples(await theirs.metrics()));
  });

  it('ignores values that are not finite numbers, and forgets every series on reset', async () => {
    const registry = new Registry();
    const series = new SeriesHistogram({ name: 'h_seconds', help: 'A histogram.', labelNames: ['operation'], buckets: BUCKETS, registry });
    series.observe(['join'], Number.NaN);
    series.observe(['join'], Number.POSITIVE_INFINITY);
    series.observe(['join'], 0.5);
    assert.match(await registry.metrics(), /h_seconds_count\{operation="join"\} 1\n/);
    registry.resetMetrics();
    assert.doesNotMatch(await registry.metrics(), /h_seconds_count/);
  });
});
