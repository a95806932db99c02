/**
 * Subscribe and unsubscribe (protocol §3.2-3.6). Order of a subscribe: name rules, signature
 * (before any other work), broker route (so no event is missed once subscribed), cluster state
 * (counts, presence cap), then `subscription_succeeded` and `member_added` to the others.
 */
import type { App } from '../apps/app-store.js';
import type { ClientMessage } from '../protocol/codec.js';
import {
  encodeCacheMiss,
  encodeChannelEvent,
  encodeError,
  encodeSubscriptionError,
  encodeSubscriptionSucceeded,
  presenceSnapshot,
} from '../protocol/codec.js';
import { checkChannelName } from '../protocol/channels.js';
import { SubscriptionErrors, type SubscriptionError } from '../protocol/errors.js';
import { Frame } from '../protocol/frame.js';
import { authorizeSubscription } from './channel-auth.js';
import { logSubscribed, logSubscriptionRefused, logUnsubscribed } from './client-log.js';
import type { Connection, Subscription } from './connection.js';
import { tapMember, tapOccupancy, tapSubscription } from './debug-entries.js';
import { leaveState, publishMemberAdded } from './state-changes.js';
import { hasWebhooks } from './webhook-sink.js';

type SubscribeMessage = Extract<ClientMessage, { type: 'subscribe' }>;

/** `pusher:subscription_error` on the channel, mirrored as `pusher:error` for connection listeners. */
export function refuseSubscription(
  connection: Connection,
  channel: string,
  error: SubscriptionError,
  detail: string = error.message,
): void {
  logSubscriptionRefused(connection, channel, error);
  connection.send(new Frame(encodeSubscriptionError(channel, error.type, detail, error.status)));
  connection.send(new Frame(encodeError(null, `${detail} (channel ${channel})`)));
}

export function handleSubscribe(connection: Connection, message: SubscribeMessage): Promise<void> | undefined {
  const { channel } = message;
  const problem = checkChannelName(channel, connection.app.maxChannelNameLength);
  if (problem !== undefined) {
    const error = problem === 'too-long' ? SubscriptionErrors.channelNameTooLong : SubscriptionErrors.invalidChannelName;
    refuseSubscription(connection, channel, error);
    return undefined;
  }
  const authorization = authorizeSubscription(connection, message);
  if (!authorization.ok) {
    refuseSubscription(connection, channel, authorization.error, authorization.detail);
    return undefined;
  }
  const { type, member } = authorization;
  if (type.kind === 'user') {
    // Delivery to a user follows its sign-in (core/signin.ts); the subscribe is only acknowledged.
    connection.send(new Frame(encodeSubscriptionSucceeded(channel)));
    logSubscribed(connection, channel);
    tapSubscription(connection, channel, 'subscribed');
    return undefined;
  }
  if (connection.subscriptions.has(channel)) return resendSucceeded(connection, channel, member !== undefined);
  return join(connection, { channel, type, member });
}

/** A repeated subscribe is answered again, idempotently; it changes nothing. */
async function resendSucceeded(connection: Connection, channel: string, presence: boolean): Promise<void> {
  if (!presence) {
    connection.send(new Frame(encodeSubscriptionSucceeded(channel)));
    return;
  }
  const members = await connection.context.state.channels.members(connection.app.id, channel);
  connection.send(new Frame(encodeSubscriptionSucceeded(channel, presenceSnapshot(members))));
}

async function join(connection: Connection, subscription: Subscription): Promise<void> {
  const { context, app, socketId } = connection;
  const { channel, member } = subscription;
  try {
    await context.routes.acquire(app.id, channel);
  } catch (error) {
    context.routes.release(app.id, channel);
    context.logger.error({ err: error, app: app.id, channel }, 'broker subscribe failed');
    refuseSubscription(connection, channel, SubscriptionErrors.serverError);
    return;
  }
  const webhooks = hasWebhooks(app);
  let result;
  try {
    const join = {
      appId: app.id,
      channel,
      socketId,
      member,
      maxMembers: member === undefined ? undefined : presenceCap(app, channel),
      transitionDelayMs: webhooks ? context.settings.transitionDelayMs : undefined,
    };
    result = await context.counters.timeStateOperation('channels.join', () => context.state.channels.join(join));
  } catch (error) {
    context.routes.release(app.id, channel);
    context.logger.error({ err: error, app: app.id, channel }, 'cluster state join failed');
    refuseSubscription(connection, channel, SubscriptionErrors.serverError);
    return;
  }
  if (!result.ok) {
    context.routes.release(app.id, channel);
    refuseSubscription(connection, channel, SubscriptionErrors.presenceFull);
    return;
  }

  connection.subscriptions.set(channel, subscription);
  context.hub.add(app.id, channel, connection);
  connection.send(new Frame(encodeSubscriptionSucceeded(channel, result.presence)));
  logSubscribed(connection, channel);
  tapSubscription(connection, channel, 'subscribed');
  if (result.occupied) tapOccupancy(context.tap, app.id, channel, 'channel-occupied');
  if (result.memberAdded && member !== undefined) tapMember(context.tap, app.id, channel, member.userId, 'member-added');
  if (member === undefined) context.subscriptionCounts.changed(app, channel, result.subscriptionCount);

  if (result.memberAdded && member !== undefined) publishMemberAdded(context, app, channel, member, socketId);
  if (webhooks) {
    if (result.occupied) context.webhooks.emit(app, { name: 'channel_occupied', channel });
    if (result.memberAddedReported && member !== undefined) {
      context.webhooks.emit(app, { name: 'member_added', channel, user_id: String(member.userId) });
    }
  }
  if (subscription.type.cache) await replayCache(connection, channel);
}

/**
 * Cache channels (protocol §3.12): after subscription_succeeded, the last event published through
 * the HTTP API, or `pusher:cache_miss` (and one de-duplicated cache_miss webhook).
 */
async function replayCache(connection: Connection, channel: string): Promise<void> {
  const { context, app } = connection;
  const cached = await context.state.cache.get(app.id, channel);
  if (cached !== undefined) {
    connection.send(new Frame(encodeChannelEvent(channel, cached.event, cached.data)));
    return;
  }
  connection.send(new Frame(encodeCacheMiss(channel)));
  if (hasWebhooks(app) && (await context.state.cache.claimMiss(app.id, channel, app.cacheTtl * 1000))) {
    context.webhooks.emit(app, { name: 'cache_miss', channel });
  }
}

export function handleUnsubscribe(connection: Connection, channel: string): Promise<void> | undefined {
  const subscription = connection.subscriptions.get(channel);
  if (subscription === undefined) return undefined;
  logUnsubscribed(connection, channel);
  tapSubscription(connection, channel, 'unsubscribed');
  return leaveChannel(connection, subscription);
}

/**
 * Leaves one channel. Never rejects: a cluster-state failure is logged, and the node reconciles
 * the state with its live connections once the store answers again (cluster-upkeep.ts).
 */
export async function leaveChannel(connection: Connection, subscription: Subscription): Promise<void> {
  const { context, app, socketId } = connection;
  const { channel } = subscription;
  connection.subscriptions.delete(channel);
  context.hub.remove(app.id, channel, connection);
  context.routes.release(app.id, channel);
  await leaveState(context, app, channel, socketId);
}

/**
 * A chat room's channel (`presence-chat-<room>`, authorized by Switchboard from membership) holds
 * up to the room's member limit; every other presence channel maxPresenceMembers.
 */
function presenceCap(app: App, channel: string): number {
  return app.chat?.enabled === true && channel.startsWith('presence-chat-') ? Math.max(app.chat.maxMembersPerRoom, app.maxPresenceMembers) : app.maxPresenceMembers;
}
