/**
 * The debug lines of a client's life: connection opened, refused and closed, subscribed,
 * unsubscribed, subscription refused, auth failed (docs/logging.md lists them with their fields).
 *
 * Contract: each function checks the level before building anything, so while the level is above
 * debug a line costs one level check and no allocation. An auth failure names the error and its
 * fixed reason from the error table, never what the client sent: no secret, no signature, not even
 * a part of one.
 */
import type { CloseReason, SubscriptionError, ClientError } from '../protocol/errors.js';
import type { Transport } from './transport.js';
import type { Connection } from './connection.js';
import type { Logger } from '../shared/logger.js';

function debugEnabled(logger: Logger): boolean {
  return logger.isLevelEnabled('debug');
}

export function logConnectionOpened(logger: Logger, connection: Connection): void {
  if (!debugEnabled(logger)) return;
  const { socketId, app, transport } = connection;
  logger.debug({ socketId, app: app.id, transport: transport.name, remoteAddress: transport.client.address, scheme: transport.client.scheme }, 'connection opened');
}

/** `code` and `reason` of the side that closed first (the transport's contract). */
export function logConnectionClosed(logger: Logger, now: () => number, connection: Connection, code: number, reason: string): void {
  if (!debugEnabled(logger)) return;
  const { socketId, app, transport } = connection;
  logger.debug(
    {
      socketId,
      app: app.id,
      transport: transport.name,
      remoteAddress: transport.client.address,
      code,
      reason,
      durationMs: now() - connection.openedAt,
    },
    'connection closed',
  );
}

/** A client sent away before it became a connection (no socket id): the code it was sent. */
export function logConnectionRefused(logger: Logger, transport: Transport, reason: CloseReason, key: string | undefined): void {
  if (!debugEnabled(logger)) return;
  logger.debug(
    {
      key,
      transport: transport.name,
      remoteAddress: transport.client.address,
      code: reason.code,
      error: reason.id,
      reason: reason.message,
    },
    'connection refused',
  );
}

export function logSubscribed(logger: Logger, connection: Connection, channel: string): void {
  if (!debugEnabled(logger)) return;
  logger.debug({ socketId: connection.socketId, app: connection.app.id, channel }, 'subscribed');
}

/** An unsubscribe the client asked for (a closing connection's channels are not logged one by one). */
export function logUnsubscribed(logger: Logger, connection: Connection, channel: string): void {
  if (!debugEnabled(logger)) return;
  logger.debug({ socketId: connection.socketId, app: connection.app.id, channel }, 'unsubscribed');
}

/** Auth failures read "subscription auth failed"; the other refusals (name, limits, server) "subscription refused". */
export function logSubscriptionRefused(logger: Logger, connection: Connection, channel: string, error: SubscriptionError): void {
  if (!debugEnabled(logger)) return;
  logger.debug(
    { socketId: connection.socketId, app: connection.app.id, channel, error: error.id, reason: error.message },
    error.type === 'AuthError' ? 'subscription auth failed' : 'subscription refused',
  );
}

/** A `pusher:signin` whose signature does not match. */
export function logSigninFailed(logger: Logger, connection: Connection, error: ClientError, reason: string): void {
  if (!debugEnabled(logger)) return;
  logger.debug({ socketId: connection.socketId, app: connection.app.id, error: error.id, reason }, 'signin auth failed');
}
