/**
 * The overview's live figures: every SAMPLE_MS, each app's connections, messages/s and
 * deliveries/s summed over the nodes of the cluster (this node's counters plus the other nodes'
 * last status from the console bus), kept for the last HISTORY_SAMPLES samples (the overview's
 * chart). Messages are HTTP API messages and client events; deliveries are messages queued to
 * subscribers. Rates come from the difference between two samples of monotonic totals, per node,
 * so a node that joins or leaves does not show as a spike.
 */
import type { NodeStats } from './console-bus.js';

export const SAMPLE_MS = 5_000;
/** Five minutes of samples. */
export const HISTORY_SAMPLES = 60;

export interface AppSample {
  readonly time: number;
  readonly connections: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
}

type Totals = NodeStats['apps'][string];

export class OverviewHistory {
  readonly #nodes: () => readonly NodeStats[];
  readonly #now: () => number;
  /** Each node's totals at the previous sample, by node then app. */
  #previous = new Map<string, ReadonlyMap<string, Totals>>();
  #previousAt: number | undefined;
  readonly #history = new Map<string, AppSample[]>();
  #timer: NodeJS.Timeout | undefined;

  /** `nodes`: every node's current totals, this node's included. */
  constructor(nodes: () => readonly NodeStats[], now: () => number) {
    this.#nodes = nodes;
    this.#now = now;
  }

  start(): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Takes one sample now (the timer calls it; tests call it with an injected clock). */
  sample(): void {
    const at = this.#now();
    const seconds = this.#previousAt === undefined ? 0 : (at - this.#previousAt) / 1000;
    const sums = new Map<string, { connections: number; messages: number; deliveries: number }>();
    const current = new Map<string, ReadonlyMap<string, Totals>>();
    for (const node of this.#nodes()) {
      const before = this.#previous.get(node.node);
      const apps = new Map(Object.entries(node.apps));
      current.set(node.node, apps);
      for (const [appId, totals] of apps) {
        const sum = sums.get(appId) ?? { connections: 0, messages: 0, deliveries: 0 };
        const earlier = before?.get(appId);
        sum.connections += totals.connections;
        if (earlier !== undefined) {
          sum.messages += Math.max(0, totals.messages - earlier.messages);
          sum.deliveries += Math.max(0, totals.deliveries - earlier.deliveries);
        }
        sums.set(appId, sum);
      }
    }
    for (const [appId, sum] of sums) {
      const samples = this.#history.get(appId) ?? [];
      samples.push({
        time: at,
        connections: sum.connections,
        messagesPerSecond: seconds > 0 ? round(sum.messages / seconds) : 0,
        deliveriesPerSecond: seconds > 0 ? round(sum.deliveries / seconds) : 0,
      });
      if (samples.length > HISTORY_SAMPLES) samples.shift();
      this.#history.set(appId, samples);
    }
    this.#previous = current;
    this.#previousAt = at;
  }

  /** The samples of one app, oldest first (empty before its first traffic or connection). */
  history(appId: string): readonly AppSample[] {
    return this.#history.get(appId) ?? [];
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
