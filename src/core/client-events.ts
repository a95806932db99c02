/**
 * Client events (protocol §3.8): only with the app's client events enabled, only on private and
 * presence channels the sender is subscribed to, within the size and rate limits, never echoed to
 * the sender, with the sender's `user_id` on presence channels. The data is relayed as the client
 * sent it (its JSON text, sliced from the frame): never re-serialized, so any nesting that fits
 * the size limit reaches subscribers, other nodes and webhooks byte for byte.
 */
import type { ClientMessage } from '../protocol/codec.js';
import { allowsClientEvents } from '../protocol/channels.js';
import { ClientErrors } from '../protocol/errors.js';
import type { Connection } from './connection.js';
import { tapClientEvent } from './debug-entries.js';
import type { EngineContext } from './engine-context.js';
import { hasWebhooks } from './webhook-sink.js';

type ClientEventMessage = Extract<ClientMessage, { type: 'client-event' }>;

/** What relaying a client event uses: the publish, its webhook and its debug entry. */
export type ClientEventServices = Pick<EngineContext, 'webhooks' | 'tap' | 'publish'>;

export function handleClientEvent(services: ClientEventServices, connection: Connection, message: ClientEventMessage): void {
  const { app, socketId } = connection;
  const { event, channel, data, dataBytes: bytes } = message;
  if (!app.clientEvents) return connection.sendError(ClientErrors.clientEventsDisabled);
  if (event.length > app.maxEventNameLength) return connection.sendError(ClientErrors.eventNameTooLong);
  const subscription = connection.subscriptions.get(channel);
  if (subscription === undefined) {
    return connection.sendError(ClientErrors.clientEventNotSubscribed, `${ClientErrors.clientEventNotSubscribed.message} (${channel})`);
  }
  if (!allowsClientEvents(subscription.type)) return connection.sendError(ClientErrors.clientEventChannelType);
  if (bytes > app.maxEventDataBytes) {
    return connection.sendError(
      ClientErrors.clientEventTooLarge,
      `Client event data is ${bytes} bytes, over the limit of ${app.maxEventDataBytes}`,
    );
  }
  if (!connection.takeClientEventToken()) return connection.sendError(ClientErrors.clientEventRateLimit);

  const userId = subscription.type.kind === 'presence' ? subscription.member?.userId : undefined;
  connection.counters.clientEvents += 1;
  const publication = { appId: app.id, channel, event, data, userId, exceptSocketId: socketId };
  services.publish(publication);
  tapClientEvent(services.tap, connection, publication);
  if (hasWebhooks(app)) {
    services.webhooks.emit(app, {
      name: 'client_event',
      channel,
      event,
      data,
      socket_id: socketId,
      ...(userId === undefined ? {} : { user_id: String(userId) }),
    });
  }
}
