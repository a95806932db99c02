/** The cluster state seams together, as the composition root builds them for one driver. */
import type { ChannelCache } from './channel-cache.js';
import type { ChannelState } from './channel-state.js';
import type { ConnectionState } from './connection-state.js';
import type { NodeMembership } from './ownership.js';
import type { SessionRegistry } from './session-registry.js';
import type { UserState } from './user-state.js';

export interface ClusterState {
  readonly channels: ChannelState;
  readonly connections: ConnectionState;
  readonly users: UserState;
  readonly cache: ChannelCache;
  /** True when other nodes share this state (and will see what this node leaves behind). */
  readonly shared: boolean;
  /** This node's liveness in shared state; absent for process-local state. */
  readonly membership?: NodeMembership | undefined;
  /** Where HTTP fallback sessions live; absent for process-local state. */
  readonly sessions?: SessionRegistry | undefined;
  /** Releases timers and connections; idempotent. */
  close(): Promise<void>;
}
