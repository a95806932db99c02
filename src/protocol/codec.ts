/**
 * The message codec (protocol §2-3): client frames are parsed into a closed union of typed
 * messages, or into the `ClientError` that answers them; server messages are encoded to their
 * exact wire text. Pure: no I/O, no state, tested from strings.
 */
import { ClientErrors, type ClientError } from './errors.js';
import { isJsonObject, tryParseJson, type JsonObject, type JsonValue } from './json.js';
import { dataJson, memberText, RawJson } from './raw-json.js';

export type ClientMessage =
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | {
      readonly type: 'subscribe';
      readonly channel: string;
      readonly auth: string | undefined;
      readonly channelData: string | undefined;
    }
  | { readonly type: 'unsubscribe'; readonly channel: string }
  | { readonly type: 'signin'; readonly auth: string; readonly userData: string }
  | {
      readonly type: 'client-event';
      readonly event: string;
      readonly channel: string;
      /** The data exactly as the client sent it (relayed, never re-serialized). */
      readonly data: RawJson | undefined;
      /** Its size for the limit: a string's own bytes, any other value's JSON text. */
      readonly dataBytes: number;
    };

export type ParseResult = { readonly ok: true; readonly message: ClientMessage } | { readonly ok: false; readonly error: ClientError };

function invalid(error: ClientError): ParseResult {
  return { ok: false, error };
}

function ok(message: ClientMessage): ParseResult {
  return { ok: true, message };
}

/**
 * `data` of `pusher:*` events is an object from pusher-js, but some clients send it JSON-encoded
 * in a string (the server-to-client convention); both are accepted.
 */
function dataObject(data: JsonValue | undefined): JsonObject | undefined {
  if (isJsonObject(data)) return data;
  if (typeof data === 'string') {
    const parsed = tryParseJson(data);
    if (isJsonObject(parsed)) return parsed;
  }
  return undefined;
}

function optionalString(value: JsonValue | undefined): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : false;
}

export function parseClientMessage(text: string): ParseResult {
  const parsed = tryParseJson(text);
  if (parsed === undefined) return invalid(ClientErrors.invalidJson);
  if (!isJsonObject(parsed)) return invalid(ClientErrors.notAnObject);
  const event = parsed['event'];
  if (typeof event !== 'string' || event === '') return invalid(ClientErrors.missingEvent);

  switch (event) {
    case 'pusher:ping':
      return ok({ type: 'ping' });
    case 'pusher:pong':
      return ok({ type: 'pong' });
    case 'pusher:subscribe': {
      const data = dataObject(parsed['data']);
      const channel = data?.['channel'];
      const auth = optionalString(data?.['auth']);
      const channelData = optionalString(data?.['channel_data']);
      if (typeof channel !== 'string' || auth === false || channelData === false) {
        return invalid(ClientErrors.invalidData);
      }
      return ok({ type: 'subscribe', channel, auth: auth === '' ? undefined : auth, channelData });
    }
    case 'pusher:unsubscribe': {
      const channel = dataObject(parsed['data'])?.['channel'];
      if (typeof channel !== 'string') return invalid(ClientErrors.invalidData);
      return ok({ type: 'unsubscribe', channel });
    }
    case 'pusher:signin': {
      const data = dataObject(parsed['data']);
      const auth = data?.['auth'];
      const userData = data?.['user_data'];
      if (typeof auth !== 'string' || typeof userData !== 'string') return invalid(ClientErrors.invalidData);
      return ok({ type: 'signin', auth, userData });
    }
    default: {
      if (!event.startsWith('client-')) return invalid(ClientErrors.unknownEvent);
      const channel = parsed['channel'];
      if (typeof channel !== 'string' || channel === '') return invalid(ClientErrors.invalidData);
      return ok(clientEvent(text, event, channel, parsed['data']));
    }
  }
}

function clientEvent(text: string, event: string, channel: string, value: JsonValue | undefined): ClientMessage {
  const raw = value === undefined ? undefined : memberText(text, 'data');
  if (raw === undefined) return { type: 'client-event', event, channel, data: undefined, dataBytes: 0 };
  const dataBytes = Buffer.byteLength(typeof value === 'string' ? value : raw);
  return { type: 'client-event', event, channel, data: new RawJson(raw), dataBytes };
}

// ---- server -> client ----------------------------------------------------------------------

const quote = JSON.stringify;

/** `pusher:*` payloads are JSON strings inside the frame (double encoding, protocol §2). */
function internal(event: string, payload: unknown, channel?: string): string {
  const channelPart = channel === undefined ? '' : `,"channel":${quote(channel)}`;
  return `{"event":${quote(event)}${channelPart},"data":${quote(quote(payload))}}`;
}

export function encodeConnectionEstablished(socketId: string, activityTimeoutSeconds: number): string {
  return internal('pusher:connection_established', { socket_id: socketId, activity_timeout: activityTimeoutSeconds });
}

/** `pusher:error` carries its data as an object, as real Pusher sends it (protocol §1.6). */
export function encodeError(code: number | null, message: string): string {
  return `{"event":"pusher:error","data":${quote({ code, message })}}`;
}

export const PING_TEXT = '{"event":"pusher:ping","data":"{}"}';
export const PONG_TEXT = '{"event":"pusher:pong","data":"{}"}';

/** `subscription_succeeded` of a channel without presence (presence-snapshot.ts encodes the other). */
export function encodeSubscriptionSucceeded(channel: string): string {
  return internal('pusher_internal:subscription_succeeded', {}, channel);
}

export function encodeSubscriptionError(channel: string, type: string, error: string, status: number): string {
  return `{"event":"pusher:subscription_error","channel":${quote(channel)},"data":${quote({ type, error, status })}}`;
}

/**
 * An internal channel event as the engine publishes it (to this node's subscribers and the other
 * nodes): the event name and its data string, which `encodeChannelEvent` frames (a JSON string
 * inside the frame, as every `pusher_internal:*` payload).
 */
export interface InternalEvent {
  readonly event: string;
  readonly data: string;
}

export function memberAddedEvent(userId: string | number, userInfo: JsonValue | undefined): InternalEvent {
  return { event: 'pusher_internal:member_added', data: quote({ user_id: userId, user_info: userInfo ?? null }) };
}

export function memberRemovedEvent(userId: string | number): InternalEvent {
  return { event: 'pusher_internal:member_removed', data: quote({ user_id: userId }) };
}

export function subscriptionCountEvent(count: number): InternalEvent {
  return { event: 'pusher_internal:subscription_count', data: quote({ subscription_count: count }) };
}

/** A `pusher_internal:watchlist_events` event for one change of one or more users. */
export function watchlistEvent(events: readonly WatchlistEvent[]): InternalEvent {
  return { event: WATCHLIST_EVENTS, data: watchlistEventsData(events) };
}

/**
 * A channel event. `data` is the publisher's string (HTTP API), JSON-encoded, or JSON text relayed
 * as is (client events, publications from other nodes). `userId` is set on presence-channel
 * client events only.
 */
export function encodeChannelEvent(
  channel: string,
  event: string,
  data: string | RawJson | undefined,
  userId?: string | number,
): string {
  const dataPart = data === undefined ? '' : `,"data":${dataJson(data)}`;
  const userPart = userId === undefined ? '' : `,"user_id":${quote(userId)}`;
  return `{"event":${quote(event)},"channel":${quote(channel)}${dataPart}${userPart}}`;
}

/** An event with no channel field (watchlist events are addressed to the connection). */
export function encodeConnectionEvent(event: string, data: string | RawJson | undefined): string {
  const dataPart = data === undefined ? '' : `,"data":${dataJson(data)}`;
  return `{"event":${quote(event)}${dataPart}}`;
}

export function encodeSigninSuccess(userData: string): string {
  return internal('pusher:signin_success', { user_data: userData });
}

export interface WatchlistEvent {
  readonly name: 'online' | 'offline';
  readonly user_ids: readonly string[];
}

export const WATCHLIST_EVENTS = 'pusher_internal:watchlist_events';

/** The data string of a `pusher_internal:watchlist_events` message. */
export function watchlistEventsData(events: readonly WatchlistEvent[]): string {
  return quote({ events });
}

export function encodeWatchlistEvents(events: readonly WatchlistEvent[]): string {
  return encodeConnectionEvent(WATCHLIST_EVENTS, watchlistEventsData(events));
}

/** Exactly Pusher's shape: no `data` field at all (clients written against Pusher test for that). */
export function encodeCacheMiss(channel: string): string {
  return `{"event":"pusher:cache_miss","channel":${quote(channel)}}`;
}
