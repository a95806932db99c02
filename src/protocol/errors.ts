/**
 * The one table of every error Switchboard reports on the wire: WebSocket close codes,
 * `pusher:error` codes, subscription errors and HTTP API errors. Handlers refer to these
 * entries by name and never carry bare numbers; `docs/errors.md` is generated from this file.
 *
 * Close-code semantics follow pusher-js (protocol §1.5): 4000-4099 make the client stop for good,
 * 4100-4199 make it reconnect after a second, 4200-4299 make it reconnect at once.
 */
import { MAX_JSON_DEPTH } from './json.js';

/** A reason to close a connection: sent as `pusher:error` first, then as the close frame. */
export interface CloseReason {
  readonly id: string;
  readonly code: number;
  readonly message: string;
}

function close(id: string, code: number, message: string): CloseReason {
  return Object.freeze({ id, code, message });
}

export const CloseReasons = {
  appNotFound: close('SB_APP_NOT_FOUND', 4001, 'Application does not exist'),
  appDisabled: close('SB_APP_DISABLED', 4003, 'Application is disabled'),
  appDeleted: close('SB_APP_DELETED', 4001, 'Application was deleted'),
  overConnectionQuota: close('SB_OVER_CONNECTION_QUOTA', 4004, 'Application is over its connection quota'),
  pathNotFound: close('SB_PATH_NOT_FOUND', 4005, 'Path not found; connect to /app/{key}'),
  invalidVersion: close('SB_INVALID_VERSION', 4006, 'Invalid protocol version format'),
  unsupportedProtocol: close('SB_UNSUPPORTED_PROTOCOL', 4007, 'Unsupported protocol version; use protocol=7'),
  originNotAllowed: close('SB_ORIGIN_NOT_ALLOWED', 4009, 'Origin not allowed for this application'),
  signinTimeout: close('SB_SIGNIN_TIMEOUT', 4009, 'Connection not authorized within timeout'),
  userTerminated: close('SB_USER_TERMINATED', 4009, 'Connection terminated by the application'),
  slowConsumer: close('SB_SLOW_CONSUMER', 4100, 'Over capacity: the client did not read its messages fast enough'),
  httpSessionLimit: close('SB_HTTP_SESSION_LIMIT', 4100, 'Over capacity: too many HTTP sessions for this application; retry shortly'),
  addressConnectionLimit: close('SB_ADDRESS_CONNECTION_LIMIT', 4101, 'Over capacity: too many open connections from this address; retry shortly'),
  addressConnectionRate: close('SB_ADDRESS_CONNECTION_RATE', 4102, 'Over capacity: too many new connections from this address; retry shortly'),
  clusterUnavailable: close('SB_CLUSTER_UNAVAILABLE', 4100, 'Over capacity: shared cluster state is unavailable; retry shortly'),
  appStoreUnavailable: close('SB_APP_STORE_UNAVAILABLE', 4103, 'Over capacity: the app store cannot be reached to look up this app; retry shortly'),
  serverShutdown: close('SB_SERVER_SHUTDOWN', 4200, 'Server is shutting down; please reconnect'),
  pongTimeout: close('SB_PONG_TIMEOUT', 4201, 'Pong reply not received in time'),
  sessionEnded: close('SB_SESSION_ENDED', 4201, 'HTTP session timed out: no receive request within the disconnect grace period'),
} as const satisfies Record<string, CloseReason>;

/**
 * A non-fatal error answered with `pusher:error`; the connection stays open. `code` is null
 * for per-request errors, as real Pusher sends them, and numeric where the protocol defines one.
 */
export interface ClientError {
  readonly id: string;
  readonly code: number | null;
  readonly message: string;
}

function clientError(id: string, code: number | null, message: string): ClientError {
  return Object.freeze({ id, code, message });
}

export const ClientErrors = {
  invalidJson: clientError('SB_INVALID_JSON', null, 'Invalid JSON: every frame must be one JSON object'),
  notAnObject: clientError('SB_NOT_AN_OBJECT', null, 'Invalid message: a frame must be a JSON object'),
  binaryFrame: clientError('SB_BINARY_FRAME', null, 'Binary frames are not supported; send UTF-8 JSON text'),
  missingEvent: clientError('SB_MISSING_EVENT', null, 'Invalid message: "event" must be a non-empty string'),
  invalidData: clientError('SB_INVALID_DATA', null, 'Invalid message: "data" has the wrong shape for this event'),
  unknownEvent: clientError('SB_UNKNOWN_EVENT', null, 'Unknown event; client events must start with "client-"'),
  clientEventsDisabled: clientError(
    'SB_CLIENT_EVENTS_DISABLED',
    null,
    'To send client events, you must enable client events for this application',
  ),
  clientEventChannelType: clientError(
    'SB_CLIENT_EVENT_CHANNEL_TYPE',
    null,
    'Client events can only be sent on private and presence channels',
  ),
  clientEventNotSubscribed: clientError(
    'SB_CLIENT_EVENT_NOT_SUBSCRIBED',
    null,
    'Client events can only be sent on a channel this connection is subscribed to',
  ),
  clientEventTooLarge: clientError('SB_CLIENT_EVENT_TOO_LARGE', null, 'Client event data is over the size limit'),
  eventNameTooLong: clientError('SB_EVENT_NAME_TOO_LONG', null, 'Event name is over the length limit'),
  clientEventRateLimit: clientError('SB_CLIENT_EVENT_RATE_LIMIT', 4301, 'Client event rejected due to rate limit'),
  watchlistLimit: clientError('SB_WATCHLIST_LIMIT', 4302, 'Watchlist is over the limit; extra user ids were dropped'),
  signinInvalid: clientError('SB_SIGNIN_INVALID', null, 'Invalid signin: bad signature or user data'),
  signinConflict: clientError('SB_SIGNIN_CONFLICT', null, 'This connection is already signed in as another user'),
  internal: clientError('SB_INTERNAL', null, 'Internal server error; the request was not applied'),
} as const satisfies Record<string, ClientError>;

/**
 * A refused subscription (`status` follows HTTP meaning: 400 invalid, 401 unauthorized,
 * 403 limit reached, 413 too large, 500 server fault): sent as `pusher:subscription_error` on the channel (the shape pusher-js
 * itself uses for auth-endpoint failures, so `channel.bind('pusher:subscription_error')` sees one
 * shape) and mirrored as a `pusher:error` for connection-level listeners.
 */
export interface SubscriptionError {
  readonly id: string;
  readonly type: 'AuthError' | 'InvalidChannel' | 'LimitReached' | 'ServerError';
  readonly status: number;
  readonly message: string;
}

function subscriptionError(
  id: string,
  type: SubscriptionError['type'],
  status: number,
  message: string,
): SubscriptionError {
  return Object.freeze({ id, type, status, message });
}

export const SubscriptionErrors = {
  invalidChannelName: subscriptionError(
    'SB_INVALID_CHANNEL_NAME',
    'InvalidChannel',
    400,
    'Invalid channel name: use 1-200 characters from A-Z a-z 0-9 _ - = @ , . ;',
  ),
  channelNameTooLong: subscriptionError(
    'SB_CHANNEL_NAME_TOO_LONG',
    'InvalidChannel',
    400,
    'Channel name is over the length limit',
  ),
  invalidKey: subscriptionError('SB_AUTH_INVALID_KEY', 'AuthError', 401, 'Invalid key in subscription auth data'),
  invalidSignature: subscriptionError('SB_AUTH_INVALID_SIGNATURE', 'AuthError', 401, 'Invalid signature'),
  missingAuth: subscriptionError('SB_AUTH_MISSING', 'AuthError', 401, 'Missing auth for a private or presence channel'),
  missingChannelData: subscriptionError(
    'SB_PRESENCE_NO_CHANNEL_DATA',
    'AuthError',
    401,
    'Presence channels need channel_data, or a signed-in connection',
  ),
  invalidChannelData: subscriptionError(
    'SB_PRESENCE_INVALID_CHANNEL_DATA',
    'AuthError',
    400,
    'Invalid channel_data: it must be a JSON object with a string or number user_id',
  ),
  userIdTooLong: subscriptionError('SB_PRESENCE_USER_ID_TOO_LONG', 'LimitReached', 413, 'Presence user_id is too long'),
  memberTooLarge: subscriptionError(
    'SB_PRESENCE_MEMBER_TOO_LARGE',
    'LimitReached',
    413,
    'Presence user_info is over the size limit',
  ),
  userInfoTooDeep: subscriptionError(
    'SB_PRESENCE_USER_INFO_TOO_DEEP',
    'LimitReached',
    400,
    `Presence user_info nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
  ),
  presenceFull: subscriptionError(
    'SB_PRESENCE_FULL',
    'LimitReached',
    403,
    'Presence channel is full: the member limit was reached',
  ),
  userChannelForbidden: subscriptionError(
    'SB_USER_CHANNEL_FORBIDDEN',
    'AuthError',
    401,
    'Server-to-user channels are only for the signed-in user with that id',
  ),
  serverError: subscriptionError('SB_SUBSCRIBE_FAILED', 'ServerError', 500, 'Subscription failed on the server; retry'),
} as const satisfies Record<string, SubscriptionError>;

/** An HTTP API error: a status and a stable code, answered as a JSON body. */
export interface ApiError {
  readonly id: string;
  readonly status: number;
  readonly message: string;
}

function apiError(id: string, status: number, message: string): ApiError {
  return Object.freeze({ id, status, message });
}

export const ApiErrors = {
  appNotFound: apiError('SB_API_APP_NOT_FOUND', 404, 'Unknown app id'),
  appDisabled: apiError('SB_API_APP_DISABLED', 403, 'Application is disabled'),
  routeNotFound: apiError('SB_API_NOT_FOUND', 404, 'Not found'),
  methodNotAllowed: apiError('SB_API_METHOD_NOT_ALLOWED', 405, 'Method not allowed'),
  missingAuthParams: apiError(
    'SB_API_AUTH_MISSING',
    401,
    'Missing authentication parameters: auth_key, auth_timestamp, auth_version and auth_signature are required',
  ),
  invalidAuthKey: apiError('SB_API_AUTH_KEY', 401, 'Invalid auth_key for this app'),
  timestampExpired: apiError('SB_API_AUTH_TIMESTAMP', 401, 'Timestamp expired: auth_timestamp is not within 600 s of server time'),
  bodyMd5Mismatch: apiError('SB_API_BODY_MD5', 401, 'body_md5 does not match the MD5 of the request body'),
  invalidSignature: apiError('SB_API_AUTH_SIGNATURE', 401, 'Invalid signature'),
  bodyTooLarge: apiError('SB_API_BODY_TOO_LARGE', 413, 'Request body is over the size limit'),
  invalidJson: apiError('SB_API_INVALID_JSON', 400, 'Request body is not valid JSON'),
  invalidBody: apiError('SB_API_INVALID_BODY', 400, 'Invalid request body'),
  invalidChannel: apiError('SB_API_INVALID_CHANNEL', 400, 'Invalid channel name'),
  tooManyChannels: apiError('SB_API_TOO_MANY_CHANNELS', 400, 'Too many channels in one event'),
  tooManyEvents: apiError('SB_API_TOO_MANY_EVENTS', 400, 'Too many events in one batch'),
  eventNameTooLong: apiError('SB_API_EVENT_NAME', 400, 'Event name is missing or over the length limit'),
  dataTooLarge: apiError('SB_API_DATA_TOO_LARGE', 413, 'Event data is over the size limit'),
  dataTooDeep: apiError('SB_API_DATA_TOO_DEEP', 400, `Event data that is not a string nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`),
  invalidSocketId: apiError('SB_API_INVALID_SOCKET_ID', 400, 'Invalid socket_id'),
  invalidInfo: apiError('SB_API_INVALID_INFO', 400, 'Invalid info attribute for this request'),
  notPresenceChannel: apiError('SB_API_NOT_PRESENCE', 400, 'This request is only valid for presence channels'),
  encryptedMultiChannel: apiError(
    'SB_API_ENCRYPTED_MULTI_CHANNEL',
    400,
    'Events to encrypted channels must name exactly one channel',
  ),
  rateLimited: apiError('SB_API_RATE_LIMITED', 429, 'Too many requests: the app is over its publish rate limit'),
  draining: apiError('SB_API_DRAINING', 503, 'Server is shutting down'),
  busUnavailable: apiError(
    'SB_API_BUS_UNAVAILABLE',
    503,
    'The cluster bus did not confirm the publication in time, so it was not delivered on this node: retry after Retry-After seconds',
  ),
  stateUnavailable: apiError('SB_API_STATE_UNAVAILABLE', 503, 'Shared cluster state is unavailable; retry after Retry-After seconds'),
  appStoreUnavailable: apiError('SB_API_APP_STORE_UNAVAILABLE', 503, 'The app store cannot be reached to look up this app; retry after Retry-After seconds'),
  // The pusher-js HTTP fallback transports ({httpPath}/app/{key}/{server}/{session}/...).
  httpInvalidSession: apiError(
    'SB_HTTP_INVALID_SESSION',
    400,
    'Invalid session path: {server}/{session} must be 1-64 letters, digits, - or _ each',
  ),
  httpSessionNotFound: apiError('SB_HTTP_SESSION_NOT_FOUND', 404, 'Unknown HTTP session: open it with xhr_streaming or xhr first'),
  httpTransportMismatch: apiError('SB_HTTP_TRANSPORT_MISMATCH', 409, 'This HTTP session was opened with the other receive transport'),
  httpOriginMismatch: apiError('SB_HTTP_ORIGIN_MISMATCH', 403, 'Origin differs from the one that opened this HTTP session'),
  httpSendTooLarge: apiError('SB_HTTP_SEND_TOO_LARGE', 413, 'xhr_send body is over the size limit'),
  httpInvalidSend: apiError('SB_HTTP_INVALID_SEND', 400, 'xhr_send body must be a JSON array of strings'),
  httpSendBacklog: apiError('SB_HTTP_SEND_BACKLOG', 429, 'Too many messages waiting to be applied on this HTTP session'),
  httpSessionUnavailable: apiError(
    'SB_HTTP_SESSION_UNAVAILABLE',
    503,
    'The node holding this HTTP session did not answer in time; reconnect',
  ),
  // In-app chat (/apps/{id}/chat/...; docs/chat.md).
  chatDisabled: apiError('SB_CHAT_DISABLED', 404, 'Chat is not enabled for this app (apps[].chat)'),
  chatTokenMissing: apiError('SB_CHAT_TOKEN_MISSING', 401, 'A chat user token is required: Authorization: Bearer <token>'),
  chatTokenInvalid: apiError('SB_CHAT_TOKEN_INVALID', 401, 'Invalid chat user token (malformed, forged, for another app, or longer-lived than allowed)'),
  chatTokenExpired: apiError('SB_CHAT_TOKEN_EXPIRED', 401, 'The chat user token has expired; get a new one from the app backend'),
  chatInvalidInput: apiError('SB_CHAT_INVALID_INPUT', 400, 'Invalid chat request'),
  chatUserNotFound: apiError('SB_CHAT_USER_NOT_FOUND', 404, 'No such chat user'),
  chatRoomNotFound: apiError('SB_CHAT_ROOM_NOT_FOUND', 404, 'No such room'),
  chatMessageNotFound: apiError('SB_CHAT_MESSAGE_NOT_FOUND', 404, 'No such message in this room'),
  chatUserExists: apiError('SB_CHAT_USER_EXISTS', 409, 'A chat user with this id exists'),
  chatRoomExists: apiError('SB_CHAT_ROOM_EXISTS', 409, 'A room with this id exists'),
  chatNotMember: apiError('SB_CHAT_NOT_MEMBER', 403, 'The user is not a member of this room'),
  chatForbidden: apiError('SB_CHAT_FORBIDDEN', 403, "The user's role in this room does not allow this"),
  chatPrivateRoom: apiError('SB_CHAT_PRIVATE_ROOM', 403, 'Private rooms cannot be joined; a member who may manage the room adds members'),
  chatMessageTooLarge: apiError('SB_CHAT_MESSAGE_TOO_LARGE', 413, 'The message is over apps[].chat.maxMessageBytes'),
  chatTooManyParts: apiError('SB_CHAT_TOO_MANY_PARTS', 400, 'The message has more parts than apps[].chat.maxPartsPerMessage'),
  chatRoomFull: apiError('SB_CHAT_ROOM_FULL', 409, 'The room has apps[].chat.maxMembersPerRoom members'),
  chatTooManyRooms: apiError('SB_CHAT_TOO_MANY_ROOMS', 409, 'The user is in apps[].chat.maxRoomsPerUser rooms'),
  chatRateLimited: apiError('SB_CHAT_RATE_LIMITED', 429, 'The user sends more than apps[].chat.messagesPerSecond messages per second; retry after Retry-After seconds'),
  chatStorageUnavailable: apiError('SB_CHAT_STORAGE_UNAVAILABLE', 503, 'The chat database is unavailable; retry after Retry-After seconds'),
  internal: apiError('SB_API_INTERNAL', 500, 'Internal server error'),
} as const satisfies Record<string, ApiError>;
