/**
 * Cluster-state operations whose consequences other connections must hear about, shared by a
 * connection that closes and by a node that cleans up after a dead one: leaving a channel
 * (member_removed, subscription count, debounced webhooks), a member joining and a user signing in
 * or out (watchlists).
 */
import type { App } from '../apps/app-store.js';
import type { PresenceMember } from '../cluster/channel-state.js';
import { channelType, watchlistChannel } from '../protocol/channels.js';
import { memberAddedEvent, memberRemovedEvent, watchlistEvent, type WatchlistEvent } from '../protocol/codec.js';
import { tapMember, tapOccupancy } from './debug-entries.js';
import type { EngineContext } from './engine-context.js';
import { hasWebhooks } from './webhook-sink.js';

/** What publishing a member or watchlist change uses. */
export type PublishServices = Pick<EngineContext, 'publish'>;
/** What signing a socket out of cluster state uses. */
export type SignOutServices = Pick<EngineContext, 'state' | 'logger' | 'publish'>;
/** What leaving a channel in cluster state uses. */
export type LeaveServices = Pick<EngineContext, 'settings' | 'counters' | 'state' | 'subscriptionCounts' | 'tap' | 'logger' | 'publish'>;

/**
 * Removes one subscription from cluster state and reports what that changed. Never rejects: a
 * failure is logged here and reconciled later (the engine's state reports it to ClusterUpkeep).
 */
export async function leaveState(services: LeaveServices, app: App, channel: string, socketId: string): Promise<void> {
  try {
    const leave = {
      appId: app.id,
      channel,
      socketId,
      transitionDelayMs: hasWebhooks(app) ? services.settings.transitionDelayMs : undefined,
    };
    const result = await services.counters.timeStateOperation('channels.leave', () => services.state.channels.leave(leave));
    if (channelType(channel).kind !== 'presence') services.subscriptionCounts.changed(app, channel, result.subscriptionCount);
    if (result.vacated) tapOccupancy(services.tap, app.id, channel, 'channel-vacated');
    if (result.memberRemoved && result.userId !== undefined) {
      tapMember(services.tap, app.id, channel, result.userId, 'member-removed');
      services.publish({ appId: app.id, channel, ...memberRemovedEvent(result.userId) });
    }
  } catch (error) {
    services.logger.error({ err: error, app: app.id, channel, socketId }, 'cluster state leave failed');
  }
}

/** Forgets one signed-in socket and tells the user's watchers if it was the last. Never rejects. */
export async function signOutState(services: SignOutServices, app: App, userId: string, socketId: string): Promise<void> {
  try {
    if (await services.state.users.remove(app.id, userId, socketId)) publishWatchlist(services, app, userId, 'offline');
  } catch (error) {
    services.logger.error({ err: error, app: app.id, socketId }, 'cluster state sign-out failed');
  }
}

/** Tells the channel's other members, on every node, that a user joined (its first connection). */
export function publishMemberAdded(
  services: PublishServices,
  app: App,
  channel: string,
  member: PresenceMember,
  exceptSocketId: string,
): void {
  services.publish({ appId: app.id, channel, ...memberAddedEvent(member.userId, member.userInfo), exceptSocketId });
}

/** Tells every watcher of the user, on every node, that it came online or went offline. */
export function publishWatchlist(services: PublishServices, app: App, userId: string, name: WatchlistEvent['name']): void {
  if (!app.watchlistEvents) return;
  services.publish({ appId: app.id, channel: watchlistChannel(userId), ...watchlistEvent([{ name, user_ids: [userId] }]) });
}
