/**
 * User sign-in (protocol §3.9-3.11): `pusher:signin` with a `socket_id::user::user_data` signature.
 * A signed-in connection receives events sent to its user (`#server-to-user-{id}`) and watchlist
 * online/offline events for the users it watches, routed to it from sign-in until it closes.
 */
import type { ClientMessage } from '../protocol/codec.js';
import { encodeSigninSuccess, encodeWatchlistEvents, type WatchlistEvent } from '../protocol/codec.js';
import { isValidUserId, userChannel, watchlistChannel } from '../protocol/channels.js';
import { ClientErrors } from '../protocol/errors.js';
import { Frame } from '../protocol/frame.js';
import { isJsonObject, MAX_JSON_DEPTH, nestsDeeperThan, tryParseJson, type JsonValue } from '../protocol/json.js';
import { signinStringToSign, verifyToken } from '../protocol/signatures.js';
import { logSigninFailed } from './client-log.js';
import type { Connection } from './connection.js';
import type { EngineContext } from './engine-context.js';
import { publishWatchlist, signOutState } from './state-changes.js';

type SigninMessage = Extract<ClientMessage, { type: 'signin' }>;

/** What signing in and out uses: the user's routes, the users' cluster state, watchlist events. */
export type SigninServices = Pick<EngineContext, 'hub' | 'routes' | 'state' | 'logger' | 'now' | 'publish'>;

export interface SignedInUser {
  readonly id: string;
  readonly info: JsonValue | undefined;
  /** The exact user_data string that was signed. */
  readonly userData: string;
  /** User ids whose online/offline events this connection receives (empty unless enabled). */
  readonly watchlist: readonly string[];
}

export function handleSignin(services: SigninServices, connection: Connection, message: SigninMessage): Promise<void> | undefined {
  const { app, socketId } = connection;
  if (verifyToken(app, message.auth, signinStringToSign(socketId, message.userData), services.now()) !== 'valid') {
    logSigninFailed(services.logger, connection, ClientErrors.signinInvalid, 'the auth signature does not match user_data');
    connection.sendError(ClientErrors.signinInvalid, 'Invalid signin: the auth signature does not match user_data');
    return undefined;
  }
  const parsed = tryParseJson(message.userData);
  const id = isJsonObject(parsed) ? parsed['id'] : undefined;
  if (!isJsonObject(parsed) || typeof id !== 'string' || !isValidUserId(id, app.maxUserIdLength)) {
    connection.sendError(
      ClientErrors.signinInvalid,
      'Invalid signin: user_data must be a JSON object with a non-empty string "id" using A-Z a-z 0-9 _ - = @ , . ;',
    );
    return undefined;
  }
  const info = parsed['user_info'];
  // user_info becomes the presence user_info of a signed-in connection, which the server serializes.
  if (info !== undefined && nestsDeeperThan(info, MAX_JSON_DEPTH)) {
    connection.sendError(ClientErrors.signinInvalid, `Invalid signin: user_info nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`);
    return undefined;
  }
  const current = connection.user;
  if (current !== undefined) {
    if (current.id !== id) connection.sendError(ClientErrors.signinConflict);
    else connection.send(new Frame(encodeSigninSuccess(current.userData)));
    return undefined;
  }
  const requested = watchlistOf(parsed['watchlist']);
  const watchlist = app.watchlistEvents ? requested.slice(0, app.maxWatchlistSize) : [];
  const user: SignedInUser = { id, info, userData: message.userData, watchlist };
  return completeSignin(services, connection, user, app.watchlistEvents && requested.length > watchlist.length);
}

/** Distinct valid user ids from `user_data.watchlist`; anything else is ignored. */
function watchlistOf(value: JsonValue | undefined): string[] {
  if (!Array.isArray(value)) return [];
  const ids = value.filter((entry): entry is string => typeof entry === 'string' && entry !== '');
  return [...new Set(ids)];
}

/** The channels a signed-in connection is routed on: its user's, and one per watched user. */
function routedChannels(user: SignedInUser): string[] {
  return [userChannel(user.id), ...user.watchlist.map(watchlistChannel)];
}

async function completeSignin(services: SigninServices, connection: Connection, user: SignedInUser, truncated: boolean): Promise<void> {
  const { app, socketId } = connection;
  const channels = routedChannels(user);
  const routes = await Promise.allSettled(channels.map((channel) => services.routes.acquire(app.id, channel)));
  const failed = routes.find((route): route is PromiseRejectedResult => route.status === 'rejected');
  if (failed !== undefined) {
    for (const channel of channels) services.routes.release(app.id, channel);
    services.logger.error({ err: failed.reason, app: app.id }, 'broker subscribe failed for a signed-in user');
    connection.sendError(ClientErrors.internal);
    return;
  }
  connection.signedIn(user);
  for (const channel of channels) services.hub.add(app.id, channel, connection);
  connection.send(new Frame(encodeSigninSuccess(user.userData)));
  if (truncated) {
    connection.sendError(
      ClientErrors.watchlistLimit,
      `Watchlist is over the limit of ${app.maxWatchlistSize}; only the first ${app.maxWatchlistSize} user ids are watched`,
    );
  }

  if (await services.state.users.add(app.id, user.id, socketId)) publishWatchlist(services, app, user.id, 'online');
  if (user.watchlist.length === 0) return;
  const online = await services.state.users.online(app.id, user.watchlist);
  const onlineSet = new Set(online);
  const offline = user.watchlist.filter((id) => !onlineSet.has(id));
  const events: WatchlistEvent[] = [];
  if (online.length > 0) events.push({ name: 'online', user_ids: online });
  if (offline.length > 0) events.push({ name: 'offline', user_ids: offline });
  connection.send(new Frame(encodeWatchlistEvents(events)));
}

/** Stops routing to a closing connection and reports its user offline if it was the last. */
export async function releaseSignin(services: SigninServices, connection: Connection): Promise<void> {
  const user = connection.user;
  if (user === undefined) return;
  const { app, socketId } = connection;
  for (const channel of routedChannels(user)) {
    services.hub.remove(app.id, channel, connection);
    services.routes.release(app.id, channel);
  }
  await signOutState(services, app, user.id, socketId);
}
