/** The embedded default: all cluster state in this process. */
import type { ClusterState } from './cluster-state.js';
import { MemoryChannelCache } from './memory-channel-cache.js';
import { MemoryChannelState } from './memory-channel-state.js';
import { MemoryConnectionState } from './memory-connection-state.js';
import { MemoryUserState } from './memory-user-state.js';

export function createMemoryClusterState(now: () => number = Date.now): ClusterState {
  const cache = new MemoryChannelCache(now);
  return {
    channels: new MemoryChannelState(now),
    connections: new MemoryConnectionState(),
    users: new MemoryUserState(),
    cache,
    shared: false,
    close: () => {
      cache.close();
      return Promise.resolve();
    },
  };
}
