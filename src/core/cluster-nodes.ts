/**
 * The nodes this node sees alive in shared cluster state, read every `intervalMs`: membership
 * changes are logged at info (a node first seen; a node gone, because it stopped or its heartbeat
 * expired, which is when the survivors claim its entries), and the count feeds the
 * `switchboard_cluster_nodes` gauge. This node always counts itself, whatever the store says of
 * its own heartbeat; without shared state it is alone (1).
 *
 * A read that fails (the store is down) keeps the last view: the outage itself is logged by the
 * heartbeat and the upkeep, and the changes are logged once the store answers again.
 */
import type { NodeMembership } from '../cluster/ownership.js';
import type { Logger } from '../shared/logger.js';

export class ClusterNodes {
  readonly #membership: NodeMembership;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #onLeft: (nodeId: string) => void;
  /** The other nodes seen at the last successful read; undefined before the first. */
  #others: ReadonlySet<string> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;

  /** `onLeft` is told of each node seen gone (not of those gone before the first read). */
  constructor(membership: NodeMembership, logger: Logger, intervalMs: number, onLeft: (nodeId: string) => void = () => undefined) {
    this.#membership = membership;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#onLeft = onLeft;
  }

  /** Nodes alive as last seen, this one included. */
  get count(): number {
    return 1 + (this.#others?.size ?? 0);
  }

  /** Reads at once (the view at start is logged as one line), then every interval. */
  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }

  /** One read at a time; a call while one is running waits for it. Never rejects. */
  refresh(): Promise<void> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #read(): Promise<void> {
    let live: readonly string[];
    try {
      live = await this.#membership.liveNodes();
    } catch (error) {
      this.#logger.debug({ err: error }, 'could not read the cluster nodes; keeping the last view');
      return;
    }
    const self = this.#membership.nodeId;
    const others = new Set(live.filter((node) => node !== self));
    const previous = this.#others;
    this.#others = others;
    const nodes = others.size + 1;
    if (previous === undefined) {
      this.#logger.info({ node: self, nodes, others: [...others] }, 'cluster nodes seen at start');
      return;
    }
    for (const node of others) if (!previous.has(node)) this.#logger.info({ node, nodes }, 'cluster node joined');
    for (const node of previous) {
      if (others.has(node)) continue;
      this.#logger.info({ node, nodes }, 'cluster node left');
      this.#onLeft(node);
    }
  }
}
