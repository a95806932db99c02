/** How each metric is named, shown and compared. */
export interface MetricInfo {
  readonly label: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  readonly digits: number;
}

export const METRICS: Readonly<Record<string, MetricInfo>> = {
  publishes: { label: 'publishes', unit: '', better: 'higher', digits: 0 },
  publishesPerSecond: { label: 'publishes/s', unit: '/s', better: 'higher', digits: 0 },
  deliveries: { label: 'deliveries', unit: '', better: 'higher', digits: 0 },
  deliveriesPerSecond: { label: 'deliveries/s', unit: '/s', better: 'higher', digits: 0 },
  cpuSecondsPerMillion: { label: 'CPU s/1M deliveries', unit: 's', better: 'lower', digits: 2 },
  writesPerDelivery: { label: 'writes/delivery', unit: '', better: 'lower', digits: 3 },
  p50Ms: { label: 'p50 ms', unit: 'ms', better: 'lower', digits: 2 },
  p90Ms: { label: 'p90 ms', unit: 'ms', better: 'lower', digits: 2 },
  p99Ms: { label: 'p99 ms', unit: 'ms', better: 'lower', digits: 2 },
  maxMs: { label: 'max ms', unit: 'ms', better: 'lower', digits: 1 },
  lost: { label: 'lost', unit: '', better: 'lower', digits: 0 },
  serverCpuSeconds: { label: 'server CPU s', unit: 's', better: 'lower', digits: 2 },
  serverCores: { label: 'server cores', unit: '', better: 'lower', digits: 2 },
  generatorCores: { label: 'generator cores', unit: '', better: 'lower', digits: 2 },
  otherCores: { label: 'other load cores', unit: '', better: 'lower', digits: 2 },
  cycles: { label: 'cycles', unit: '', better: 'higher', digits: 0 },
  cyclesPerSecond: { label: 'connect+leave/s', unit: '/s', better: 'higher', digits: 0 },
  cpuMsPerCycle: { label: 'CPU ms/cycle', unit: 'ms', better: 'lower', digits: 3 },
  joinP50Ms: { label: 'join p50 ms', unit: 'ms', better: 'lower', digits: 2 },
  joinP99Ms: { label: 'join p99 ms', unit: 'ms', better: 'lower', digits: 2 },
  memberEvents: { label: 'member events', unit: '', better: 'higher', digits: 0 },
  memberEventsPerSecond: { label: 'member events/s', unit: '/s', better: 'higher', digits: 0 },
  connections: { label: 'connections', unit: '', better: 'higher', digits: 0 },
  connectionsPerSecond: { label: 'connections/s', unit: '/s', better: 'higher', digits: 0 },
  cpuMicrosPerConnection: { label: 'CPU µs/connection', unit: 'µs', better: 'lower', digits: 0 },
  handshakeP50Ms: { label: 'handshake p50 ms', unit: 'ms', better: 'lower', digits: 2 },
  handshakeP99Ms: { label: 'handshake p99 ms', unit: 'ms', better: 'lower', digits: 2 },
  rssMiB: { label: 'RSS MiB', unit: 'MiB', better: 'lower', digits: 1 },
  bytesPerSocket: { label: 'bytes/socket', unit: 'B', better: 'lower', digits: 0 },
  marginalBytesPerSocket: { label: 'marginal bytes/socket', unit: 'B', better: 'lower', digits: 0 },
  requests: { label: 'requests', unit: '', better: 'higher', digits: 0 },
  requestsPerSecond: { label: 'requests/s', unit: '/s', better: 'higher', digits: 0 },
  cpuMicrosPerRequest: { label: 'CPU µs/request', unit: 'µs', better: 'lower', digits: 1 },
  rssGrowthPercent: { label: 'RSS growth %', unit: '%', better: 'lower', digits: 2 },
  heapGrowthPercent: { label: 'heap growth %', unit: '%', better: 'lower', digits: 2 },
  rssEndMiB: { label: 'RSS end MiB', unit: 'MiB', better: 'lower', digits: 1 },
  heapEndMiB: { label: 'heap end MiB', unit: 'MiB', better: 'lower', digits: 1 },
  cpuPublishingNodePerMillion: { label: 'CPU s/1M, publishing node', unit: 's', better: 'lower', digits: 2 },
  cpuOtherNodePerMillion: { label: 'CPU s/1M, other node', unit: 's', better: 'lower', digits: 2 },
  connectSeconds: { label: 'connect s', unit: 's', better: 'lower', digits: 1 },
  processes: { label: 'server processes', unit: '', better: 'lower', digits: 0 },
  devices: { label: 'devices', unit: '', better: 'higher', digits: 0 },
  publishMs: { label: 'first publish ms', unit: 'ms', better: 'lower', digits: 0 },
  publishAgainMs: { label: 'warm publish ms', unit: 'ms', better: 'lower', digits: 0 },
  cpuMsPerMessage: { label: 'server CPU ms/message', unit: 'ms', better: 'lower', digits: 3 },
  pushServiceCpuMsPerMessage: { label: 'push service CPU ms/message', unit: 'ms', better: 'lower', digits: 3 },
  pushServiceCores: { label: 'push service cores', unit: '', better: 'lower', digits: 2 },
  refused: { label: 'refused', unit: '', better: 'lower', digits: 0 },
  churnCyclesPerSecond: { label: 'churn cycles/s', unit: '/s', better: 'higher', digits: 1 },
};

export function formatMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  const digits = METRICS[key]?.digits ?? 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}x`;
}
