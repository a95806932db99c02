/**
 * The cluster state as the engine uses it, reporting every change of shared state that fails.
 * A failed change may or may not have been applied (the reply was lost, or the bus is down and
 * the caller gives up, as a closing connection does), so the shared state may no longer match
 * this node's connections: `onFailure` lets the node reconcile them (cluster-upkeep.ts). Reads
 * are passed through; their failures change nothing.
 */
import type { ChannelState } from '../cluster/channel-state.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { ConnectionState } from '../cluster/connection-state.js';
import type { UserState } from '../cluster/user-state.js';

export function watchChanges(state: ClusterState, onFailure: () => void): ClusterState {
  const failed = (error: unknown): never => {
    onFailure();
    throw error;
  };
  const watched =
    <A extends unknown[], R>(change: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      change(...args).catch(failed);
  const { channels, connections, users } = state;
  const watchedChannels: ChannelState = {
    join: watched((request) => channels.join(request)),
    leave: watched((request) => channels.leave(request)),
    takeDueTransitions: (now, limit) => channels.takeDueTransitions(now, limit),
    summary: (appId, channel) => channels.summary(appId, channel),
    list: (appId, prefix) => channels.list(appId, prefix),
    members: (appId, channel) => channels.members(appId, channel),
  };
  const watchedConnections: ConnectionState = {
    add: watched((appId: string, socketId: string, maxConnections: number | undefined) => connections.add(appId, socketId, maxConnections)),
    remove: watched((appId: string, socketId: string) => connections.remove(appId, socketId)),
    count: (appId) => connections.count(appId),
  };
  const watchedUsers: UserState = {
    add: watched((appId: string, userId: string, socketId: string) => users.add(appId, userId, socketId)),
    remove: watched((appId: string, userId: string, socketId: string) => users.remove(appId, userId, socketId)),
    online: (appId, userIds) => users.online(appId, userIds),
  };
  return {
    channels: watchedChannels,
    connections: watchedConnections,
    users: watchedUsers,
    cache: state.cache,
    shared: state.shared,
    membership: state.membership,
    sessions: state.sessions,
    close: () => state.close(),
  };
}
