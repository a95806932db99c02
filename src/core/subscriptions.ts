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
} from '../protocol/codec.js';
import { encodePresenceSucceeded } from '../protocol/presence-snapshot.js';
import { checkChannelName } from '../protocol/channels.js';
import { SubscriptionErrors, type SubscriptionError } from '../protocol/errors.js';
import { Frame } from '../protocol/frame.js';
import { authorizeSubscription } from './channel-auth.js';
import { logSubscribed, logSubscriptionRefused, logUnsubscribed } from './client-log.js';
import type { Connection, Subscription } from './connection.js';
import { tapMember, tapOccupancy, tapSubscription } from './debug-entries.js';
import type { EngineContext } from './engine-context.js';
import { leaveState, publishMemberAdded } from './state-changes.js';
import { hasWebhooks } from './webhook-sink.js';

type SubscribeMessage = Extract<ClientMessage, { type: 'subscribe' }>;

/** What subscribing and unsubscribing use: routes, cluster state and what a join or leave reports. */
export type SubscribeServices = Pick<
  EngineContext,
  'settings' | 'hub' | 'routes' | 'state' | 'subscriptionCounts' | 'webhooks' | 'counters' | 'tap' | 'logger' | 'now' | 'publish'
>;

/** `pusher:subscription_error` on the channel, mirrored as `pusher:error` for connection listeners. */
export function refuseSubscription(
  services: Pick<SubscribeServices, 'logger'>,
  connection: Connection,
  channel: string,
  error: SubscriptionError,
  detail: string = error.message,
): void {
  logSubscriptionRefused(services.logger, connection, channel, error);
  connection.send(new Frame(encodeSubscriptionError(channel, error.type, detail, error.status)));
  connection.send(new Frame(encodeError(null, `${detail} (channel ${channel})`)));
}

export function handleSubscribe(services: SubscribeServices, connection: Connection, message: SubscribeMessage): Promise<void> | undefined {
  const { channel } = message;
  const problem = checkChannelName(channel, connection.app.maxChannelNameLength);
  if (problem !== undefined) {
    const error = problem === 'too-long' ? SubscriptionErrors.channelNameTooLong : SubscriptionErrors.invalidChannelName;
    refuseSubscription(services, connection, channel, error);
    return undefined;
  }
  const authorization = authorizeSubscription(connection, message, services.now());
  if (!authorization.ok) {
    refuseSubscription(services, connection, channel, authorization.error, authorization.detail);
    return undefined;
  }
  const { type, member } = authorization;
  if (type.kind === 'user') {
    // Delivery to a user follows its sign-in (core/signin.ts); the subscribe is only acknowledged.
    connection.send(new Frame(encodeSubscriptionSucceeded(channel)));
    logSubscribed(services.logger, connection, channel);
    tapSubscription(services.tap, connection, channel, 'subscribed');
    return undefined;
  }
  if (connection.subscriptions.has(channel)) return resendSucceeded(services, connection, channel, member !== undefined);
  return join(services, connection, { channel, type, member });
}

/** A repeated subscribe is answered again, idempotently; it changes nothing. */
async function resendSucceeded(services: SubscribeServices, connection: Connection, channel: string, presence: boolean): Promise<void> {
  if (!presence) {
    connection.send(new Frame(encodeSubscriptionSucceeded(channel)));
    return;
  }
  const members = await services.state.channels.members(connection.app.id, channel);
  connection.send(new Frame(encodePresenceSucceeded(channel, members)));
}

async function join(services: SubscribeServices, connection: Connection, subscription: Subscription): Promise<void> {
  const { app, socketId } = connection;
  const { channel, member } = subscription;
  try {
    await services.routes.acquire(app.id, channel);
  } catch (error) {
    services.routes.release(app.id, channel);
    services.logger.error({ err: error, app: app.id, channel }, 'broker subscribe failed');
    refuseSubscription(services, connection, channel, SubscriptionErrors.serverError);
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
      transitionDelayMs: webhooks ? services.settings.transitionDelayMs : undefined,
    };
    result = await services.counters.timeStateOperation('channels.join', () => services.state.channels.join(join));
  } catch (error) {
    services.routes.release(app.id, channel);
    services.logger.error({ err: error, app: app.id, channel }, 'cluster state join failed');
    refuseSubscription(services, connection, channel, SubscriptionErrors.serverError);
    return;
  }
  if (!result.ok) {
    services.routes.release(app.id, channel);
    refuseSubscription(services, connection, channel, SubscriptionErrors.presenceFull);
    return;
  }

  connection.subscribed(subscription);
  services.hub.add(app.id, channel, connection);
  connection.send(new Frame(result.presence === undefined ? encodeSubscriptionSucceeded(channel) : encodePresenceSucceeded(channel, result.presence)));
  logSubscribed(services.logger, connection, channel);
  tapSubscription(services.tap, connection, channel, 'subscribed');
  if (result.occupied) tapOccupancy(services.tap, app.id, channel, 'channel-occupied');
  if (result.memberAdded && member !== undefined) tapMember(services.tap, app.id, channel, member.userId, 'member-added');
  if (member === undefined) services.subscriptionCounts.changed(app, channel, result.subscriptionCount);

  if (result.memberAdded && member !== undefined) publishMemberAdded(services, app, channel, member, socketId);
  if (webhooks) {
    if (result.occupied) services.webhooks.emit(app, { name: 'channel_occupied', channel });
    if (result.memberAddedReported && member !== undefined) {
      services.webhooks.emit(app, { name: 'member_added', channel, user_id: String(member.userId) });
    }
  }
  if (subscription.type.cache) await replayCache(services, connection, channel);
}

/**
 * Cache channels (protocol §3.12): after subscription_succeeded, the last event published through
 * the HTTP API, or `pusher:cache_miss` (and one de-duplicated cache_miss webhook).
 */
async function replayCache(services: SubscribeServices, connection: Connection, channel: string): Promise<void> {
  const { app } = connection;
  const cached = await services.state.cache.get(app.id, channel);
  if (cached !== undefined) {
    connection.send(new Frame(encodeChannelEvent(channel, cached.event, cached.data)));
    return;
  }
  connection.send(new Frame(encodeCacheMiss(channel)));
  if (hasWebhooks(app) && (await services.state.cache.claimMiss(app.id, channel, app.cacheTtl * 1000))) {
    services.webhooks.emit(app, { name: 'cache_miss', channel });
  }
}

export function handleUnsubscribe(services: SubscribeServices, connection: Connection, channel: string): Promise<void> | undefined {
  const subscription = connection.subscriptions.get(channel);
  if (subscription === undefined) return undefined;
  logUnsubscribed(services.logger, connection, channel);
  tapSubscription(services.tap, connection, channel, 'unsubscribed');
  return leaveChannel(services, connection, subscription);
}

/**
 * Leaves one channel. Never rejects: a cluster-state failure is logged, and the node reconciles
 * the state with its live connections once the store answers again (cluster-upkeep.ts).
 */
export async function leaveChannel(services: SubscribeServices, connection: Connection, subscription: Subscription): Promise<void> {
  const { app, socketId } = connection;
  const { channel } = subscription;
  connection.unsubscribed(channel);
  services.hub.remove(app.id, channel, connection);
  services.routes.release(app.id, channel);
  await leaveState(services, app, channel, socketId);
}

/**
 * A chat room's channel (`presence-chat-<room>`, authorized by Switchboard from membership) holds
 * up to the room's member limit; every other presence channel maxPresenceMembers.
 */
function presenceCap(app: App, channel: string): number {
  return app.chat?.enabled === true && channel.startsWith('presence-chat-') ? Math.max(app.chat.maxMembersPerRoom, app.maxPresenceMembers) : app.maxPresenceMembers;
}
