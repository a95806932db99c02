/**
 * Several Switchboard nodes in this process on one MemoryBus, sharing one in-memory cluster state
 * (a session registry included): cluster logic (publications, control messages, asks, HTTP
 * sessions relayed between nodes) end to end in milliseconds, without Redis or NATS.
 * No membership: nodes are never seen dying here (that is what the Redis and NATS suites test).
 */
import type { ClusterState } from '../../src/cluster/cluster-state.js';
import type { ClusterConnector } from '../../src/cluster/drivers.js';
import { MemoryBus } from '../../src/cluster/memory-broker.js';
import { createMemoryClusterState } from '../../src/cluster/memory-cluster-state.js';
import type { SessionClaim, SessionRegistry } from '../../src/cluster/session-registry.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startServer, type TestServer } from './server.js';

/** Session id -> node, as a shared store would hold it; a node gone from the bus counts as absent. */
class MemorySessionRegistry implements SessionRegistry {
  readonly #owners: Map<string, string>;
  readonly #bus: MemoryBus;
  readonly #nodeId: string;

  constructor(owners: Map<string, string>, bus: MemoryBus, nodeId: string) {
    this.#owners = owners;
    this.#bus = bus;
    this.#nodeId = nodeId;
  }

  claim(id: string): Promise<SessionClaim> {
    const owner = this.#live(id);
    if (owner !== undefined && owner !== this.#nodeId) return Promise.resolve({ owner: 'other', nodeId: owner });
    this.#owners.set(id, this.#nodeId);
    return Promise.resolve({ owner: 'self' });
  }

  find(id: string): Promise<string | undefined> {
    return Promise.resolve(this.#live(id));
  }

  release(id: string): Promise<void> {
    if (this.#owners.get(id) === this.#nodeId) this.#owners.delete(id);
    return Promise.resolve();
  }

  #live(id: string): string | undefined {
    const owner = this.#owners.get(id);
    return owner !== undefined && this.#bus.nodeIds.includes(owner) ? owner : undefined;
  }
}

export class MemoryCluster {
  readonly bus = new MemoryBus();
  readonly #state: ClusterState = createMemoryClusterState();
  readonly #sessions = new Map<string, string>();

  /** The Switchboard option that puts a node on this cluster. */
  readonly connector: ClusterConnector = ({ nodeId, handlers, logger }) =>
    Promise.resolve({
      broker: this.bus.connect({ nodeId, logger }, handlers),
      state: {
        ...this.#state,
        shared: true,
        sessions: new MemorySessionRegistry(this.#sessions, this.bus, nodeId),
        // The state outlives each node; the cluster closes it.
        close: () => Promise.resolve(),
      },
    });

  startNode(overrides: Partial<ConfigInput> = {}): Promise<TestServer> {
    return startServer(overrides, { cluster: this.connector });
  }

  close(): Promise<void> {
    return this.#state.close();
  }
}
