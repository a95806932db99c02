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

/**
 * Removes one subscription from cluster state and reports what that changed. Never rejects: a
 * failure is logged here and reconciled later (the engine's state reports it to ClusterUpkeep).
 */
export async function leaveState(context: EngineContext, app: App, channel: string, socketId: string): Promise<void> {
  try {
    const leave = {
      appId: app.id,
      channel,
      socketId,
      transitionDelayMs: hasWebhooks(app) ? context.settings.transitionDelayMs : undefined,
    };
    const result = await context.counters.timeStateOperation('channels.leave', () => context.state.channels.leave(leave));
    if (channelType(channel).kind !== 'presence') context.subscriptionCounts.changed(app, channel, result.subscriptionCount);
    if (result.vacated) tapOccupancy(context.tap, app.id, channel, 'channel-vacated');
    if (result.memberRemoved && result.userId !== undefined) {
      tapMember(context.tap, app.id, channel, result.userId, 'member-removed');
      context.publish({ appId: app.id, channel, ...memberRemovedEvent(result.userId) });
    }
  } catch (error) {
    context.logger.error({ err: error, app: app.id, channel, socketId }, 'cluster state leave failed');
  }
}

/** Forgets one signed-in socket and tells the user's watchers if it was the last. Never rejects. */
export async function signOutState(context: EngineContext, app: App, userId: string, socketId: string): Promise<void> {
  try {
    if (await context.state.users.remove(app.id, userId, socketId)) publishWatchlist(context, app, userId, 'offline');
  } catch (error) {
    context.logger.error({ err: error, app: app.id, socketId }, 'cluster state sign-out failed');
  }
}

/** Tells the channel's other members, on every node, that a user joined (its first connection). */
export function publishMemberAdded(
  context: EngineContext,
  app: App,
  channel: string,
  member: PresenceMember,
  exceptSocketId: string,
): void {
  context.publish({ appId: app.id, channel, ...memberAddedEvent(member.userId, member.userInfo), exceptSocketId });
}

/** Tells every watcher of the user, on every node, that it came online or went offline. */
export function publishWatchlist(context: EngineContext, app: App, userId: string, name: WatchlistEvent['name']): void {
  if (!app.watchlistEvents) return;
  context.publish({ appId: app.id, channel: watchlistChannel(userId), ...watchlistEvent([{ name, user_ids: [userId] }]) });
}
