/**
 * Every error the push notification API answers, as Beams answers it: a status and a JSON body
 * `{"error": title, "description": text}` (the Beams SDKs print both), plus our stable `code`.
 * Handlers refer to these entries by name; docs/push.md lists them.
 */
export interface PushError {
  readonly code: string;
  readonly status: number;
  /** Beams' title for the error. */
  readonly error: string;
  readonly description: string;
}

function pushError(code: string, status: number, error: string, description: string): PushError {
  return Object.freeze({ code, status, error, description });
}

export const PushErrors = {
  instanceNotFound: pushError('SB_PUSH_INSTANCE_NOT_FOUND', 404, 'Instance not found', 'No instance with this id'),
  unauthorized: pushError('SB_PUSH_UNAUTHORIZED', 401, 'Unauthorized', 'Incorrect secret key'),
  appDisabled: pushError('SB_PUSH_APP_DISABLED', 403, 'Forbidden', 'This instance is disabled'),
  invalidContentType: pushError('SB_PUSH_CONTENT_TYPE', 400, 'Invalid content type', 'Only application/json is supported'),
  invalidJson: pushError('SB_PUSH_INVALID_JSON', 400, 'Invalid JSON', 'The request body is not valid JSON'),
  bodyTooLarge: pushError('SB_PUSH_BODY_TOO_LARGE', 413, 'Payload too large', 'The request body is over the size limit'),
  invalidBody: pushError('SB_PUSH_INVALID_BODY', 422, 'Unprocessable entity', 'The request body does not have the expected shape'),
  invalidInterests: pushError('SB_PUSH_INVALID_INTERESTS', 422, 'Invalid interests', 'Interests must be 1 to 100 names of up to 164 characters of [A-Za-z0-9_-=@,.;]'),
  invalidUsers: pushError('SB_PUSH_INVALID_USERS', 422, 'Invalid users', 'Users must be 1 to 1000 non-empty ids of up to 164 characters'),
  noPayload: pushError('SB_PUSH_NO_PAYLOAD', 422, 'Invalid publish request', 'A publish needs at least one of apns, fcm or web'),
  webPayloadTooLarge: pushError('SB_PUSH_WEB_PAYLOAD_TOO_LARGE', 422, 'Invalid publish request', 'The web payload does not fit in one Web Push message (4096 bytes encrypted)'),
  invalidTtl: pushError('SB_PUSH_INVALID_TTL', 422, 'Invalid publish request', 'time_to_live must be an integer from 0 to 2419200 seconds'),
  rateLimited: pushError('SB_PUSH_RATE_LIMITED', 429, 'Too many requests', 'The instance is over its publish rate; retry after Retry-After seconds'),
  registrationRateLimited: pushError(
    'SB_PUSH_REGISTRATION_RATE_LIMITED',
    429,
    'Too many requests',
    'This address is over its device registration rate; retry after Retry-After seconds',
  ),
  publishNotFound: pushError('SB_PUSH_PUBLISH_NOT_FOUND', 404, 'Publish not found', 'No publish with this id (statuses are kept for 24 hours)'),
  deviceNotFound: pushError('SB_PUSH_DEVICE_NOT_FOUND', 404, 'Device not found', 'No device with this id'),
  invalidToken: pushError('SB_PUSH_INVALID_DEVICE_TOKEN', 422, 'Invalid token', 'The device token must be a base64 encoded PushSubscription with an endpoint and p256dh and auth keys'),
  endpointNotAllowed: pushError('SB_PUSH_ENDPOINT_NOT_ALLOWED', 422, 'Invalid token', 'The subscription endpoint is not an allowed push service'),
  invalidInterest: pushError('SB_PUSH_INVALID_INTEREST', 422, 'Invalid interest', 'Interest names are up to 164 characters of [A-Za-z0-9_-=@,.;]'),
  tooManyInterests: pushError('SB_PUSH_TOO_MANY_INTERESTS', 422, 'Too many interests', 'A device may have at most 5000 interests'),
  invalidMetadata: pushError('SB_PUSH_INVALID_METADATA', 422, 'Invalid metadata', 'Metadata is an object of at most 1024 bytes of JSON'),
  missingUserToken: pushError('SB_PUSH_MISSING_TOKEN', 401, 'Unauthorized', 'Setting the user needs a Bearer token from the server SDK (generateToken)'),
  invalidUserToken: pushError('SB_PUSH_INVALID_TOKEN', 401, 'Unauthorized', 'The user token is malformed, not signed with this instance\'s secret key, or expired'),
  userAlreadySet: pushError('SB_PUSH_USER_ALREADY_SET', 422, 'User already set', 'This device already belongs to another user'),
  tooManyDevices: pushError('SB_PUSH_TOO_MANY_DEVICES', 422, 'Too many devices', 'A user may have at most 100 web devices'),
  invalidUserId: pushError('SB_PUSH_INVALID_USER_ID', 422, 'Invalid user id', 'User ids are 1 to 164 characters'),
  invalidReport: pushError('SB_PUSH_INVALID_REPORT', 422, 'Invalid report', 'A report needs publishId, event (delivery or open) and deviceId'),
  storageUnavailable: pushError('SB_PUSH_STORAGE_UNAVAILABLE', 503, 'Service unavailable', 'The database cannot be reached; retry after Retry-After seconds'),
  queueUnavailable: pushError('SB_PUSH_QUEUE_UNAVAILABLE', 503, 'Service unavailable', 'The delivery queue cannot be reached; retry after Retry-After seconds'),
} as const satisfies Record<string, PushError>;
