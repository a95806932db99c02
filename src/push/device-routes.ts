/**
 * The device API (Beams' `device_api/v1`) as the web SDK calls it from the page: the VAPID public
 * key to subscribe with, registering the browser's PushSubscription (base64 of its JSON, the
 * SDK's "token") as a `web-<uuid>` device, its interests, its user (a token minted by the
 * server SDK's generateToken), its metadata, and deleting it. Public, as Beams' is: the device id
 * is the credential for a device, and only the user needs the app's signature (the token).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../apps/app-store.js';
import type { RouteParams } from '../http/router.js';
import { sendJson } from '../http/respond.js';
import { verifyUserToken } from './beams-token.js';
import type { PushContext } from './push-context.js';
import { PushErrors } from './push-errors.js';
import { bearerOf, findInstance, readJson, sendPushError } from './push-http.js';
import { isInterestName, MAX_DEVICE_INTERESTS, MAX_USER_DEVICES } from './push-names.js';
import type { Device } from './push-store.js';

const MAX_DEVICE_BODY_BYTES = 8 * 1024;
/** 5000 interests of up to 164 characters, quoted. */
const MAX_INTERESTS_BODY_BYTES = 1024 * 1024;
const MAX_METADATA_BYTES = 1024;
/** Browsers' endpoints are a few hundred characters; the bound keeps them indexable. */
const MAX_ENDPOINT_LENGTH = 2048;
const DEFAULT_INTEREST_PAGE = 100;
const MAX_INTEREST_PAGE = 1000;

type DeviceHandler = (context: PushContext, app: App, deviceId: string, request: IncomingMessage, response: ServerResponse, params: RouteParams) => Promise<void>;

/** Looks up the instance first (404), then runs the handler for `params.deviceId`. */
export function forDevice(handler: DeviceHandler) {
  return async (context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> => {
    const app = await findInstance(context, request, response, params['instanceId'] ?? '');
    if (app === undefined) return;
    await handler(context, app, params['deviceId'] ?? '', request, response, params);
  };
}

export async function vapidPublicKey(context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
  const app = await findInstance(context, request, response, params['instanceId'] ?? '');
  if (app === undefined) return;
  request.resume();
  const keys = await context.keyring.keysOf(app.id);
  sendJson(request, response, 200, { vapidPublicKey: keys.publicKey });
}

export async function registerDevice(context: PushContext, request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
  const app = await findInstance(context, request, response, params['instanceId'] ?? '');
  if (app === undefined) return;
  const body = await readJson(request, response, MAX_DEVICE_BODY_BYTES, false);
  if (body === undefined) return;
  const input = isRecord(body.value) ? body.value : {};
  const subscription = parseToken(input['token']);
  if (subscription === undefined) return sendPushError(request, response, PushErrors.invalidToken);
  if (!context.endpointAllowed(subscription.endpoint)) return sendPushError(request, response, PushErrors.endpointNotAllowed);
  const metadata = parseMetadata(input['metadata'] ?? {});
  if (metadata === undefined) return sendPushError(request, response, PushErrors.invalidMetadata);
  // Counted once the request is valid (a refused one writes nothing), before the write it bounds.
  const waitSeconds = context.registrations?.take(context.clientAddressOf(request));
  if (waitSeconds !== undefined) return sendPushError(request, response, PushErrors.registrationRateLimited, undefined, { 'retry-after': String(waitSeconds) });
  const id = await context.store.registerDevice(app.id, {
    id: `web-${randomUUID()}`,
    endpoint: subscription.endpoint.href,
    p256dh: subscription.p256dh,
    auth: subscription.auth,
    metadata,
    createdAt: context.now(),
  });
  sendJson(request, response, 200, { id });
}

export const getDevice = forDevice(async (context, app, deviceId, request, response) => {
  request.resume();
  const device = await context.store.device(app.id, deviceId);
  if (device === undefined) return sendPushError(request, response, PushErrors.deviceNotFound);
  sendJson(request, response, 200, describeDevice(device));
});

export const deleteDevice = forDevice(async (context, app, deviceId, request, response) => {
  request.resume();
  // Deleting a device that is already gone is fine: the SDK's stop() must be able to finish.
  await context.store.deleteDevice(app.id, deviceId);
  sendJson(request, response, 200, {});
});

export const setUser = forDevice(async (context, app, deviceId, request, response) => {
  request.resume();
  const token = bearerOf(request);
  if (token === undefined) return sendPushError(request, response, PushErrors.missingUserToken);
  const verdict = verifyUserToken(token, app.id, app.secret, context.now());
  if (!verdict.ok) {
    context.logger.debug({ app: app.id, device: deviceId, reason: verdict.reason }, 'push: user token refused');
    return sendPushError(request, response, PushErrors.invalidUserToken);
  }
  const result = await context.store.setUser(app.id, deviceId, verdict.userId, MAX_USER_DEVICES);
  if (result === 'not-found') return sendPushError(request, response, PushErrors.deviceNotFound);
  if (result === 'other-user') return sendPushError(request, response, PushErrors.userAlreadySet);
  if (result === 'too-many-devices') return sendPushError(request, response, PushErrors.tooManyDevices);
  sendJson(request, response, 200, {});
});

export const setMetadata = forDevice(async (context, app, deviceId, request, response) => {
  const body = await readJson(request, response, MAX_DEVICE_BODY_BYTES, false);
  if (body === undefined) return;
  const metadata = parseMetadata(body.value);
  if (metadata === undefined) return sendPushError(request, response, PushErrors.invalidMetadata);
  if (!(await context.store.setMetadata(app.id, deviceId, metadata))) return sendPushError(request, response, PushErrors.deviceNotFound);
  sendJson(request, response, 200, {});
});

export const addInterest = forDevice(async (context, app, deviceId, request, response, params) => {
  request.resume();
  const interest = params['interest'] ?? '';
  if (!isInterestName(interest)) return sendPushError(request, response, PushErrors.invalidInterest);
  const result = await context.store.addInterest(app.id, deviceId, interest, MAX_DEVICE_INTERESTS);
  if (result === 'not-found') return sendPushError(request, response, PushErrors.deviceNotFound);
  if (result === 'too-many') return sendPushError(request, response, PushErrors.tooManyInterests);
  sendJson(request, response, 200, {});
});

export const removeInterest = forDevice(async (context, app, deviceId, request, response, params) => {
  request.resume();
  const interest = params['interest'] ?? '';
  if (!isInterestName(interest)) return sendPushError(request, response, PushErrors.invalidInterest);
  if (!(await context.store.removeInterest(app.id, deviceId, interest))) return sendPushError(request, response, PushErrors.deviceNotFound);
  sendJson(request, response, 200, {});
});

export const getInterests = forDevice(async (context, app, deviceId, request, response) => {
  request.resume();
  const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_INTEREST_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INTEREST_PAGE) return sendPushError(request, response, PushErrors.invalidBody, `limit must be 1 to ${MAX_INTEREST_PAGE}`);
  const page = await context.store.interests(app.id, deviceId, limit, query.get('cursor') ?? undefined);
  if (page === undefined) return sendPushError(request, response, PushErrors.deviceNotFound);
  sendJson(request, response, 200, { interests: page.interests, responseMetadata: page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor } });
});

export const setInterests = forDevice(async (context, app, deviceId, request, response) => {
  const body = await readJson(request, response, MAX_INTERESTS_BODY_BYTES, false);
  if (body === undefined) return;
  const interests = isRecord(body.value) ? body.value['interests'] : undefined;
  if (!Array.isArray(interests) || !interests.every(isInterestName)) return sendPushError(request, response, PushErrors.invalidInterest);
  const unique = [...new Set(interests)];
  if (unique.length > MAX_DEVICE_INTERESTS) return sendPushError(request, response, PushErrors.tooManyInterests);
  if (!(await context.store.setInterests(app.id, deviceId, unique))) return sendPushError(request, response, PushErrors.deviceNotFound);
  sendJson(request, response, 200, {});
});

function describeDevice(device: Device): Record<string, unknown> {
  return { id: device.id, userId: device.userId ?? '', metadata: device.metadata };
}

interface SubscriptionToken {
  readonly endpoint: URL;
  readonly p256dh: string;
  readonly auth: string;
}

/** The web SDK's token: base64 (standard alphabet, from btoa) of PushSubscription's JSON. */
function parseToken(token: unknown): SubscriptionToken | undefined {
  if (typeof token !== 'string' || token.length > 6 * 1024 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(json) || typeof json['endpoint'] !== 'string' || json['endpoint'].length > MAX_ENDPOINT_LENGTH || !isRecord(json['keys'])) return undefined;
  const { p256dh, auth } = json['keys'];
  if (typeof p256dh !== 'string' || typeof auth !== 'string') return undefined;
  const publicKey = Buffer.from(p256dh, 'base64url');
  if (publicKey.length !== 65 || publicKey[0] !== 4 || Buffer.from(auth, 'base64url').length !== 16) return undefined;
  let endpoint: URL;
  try {
    endpoint = new URL(json['endpoint']);
  } catch {
    return undefined;
  }
  return { endpoint, p256dh: publicKey.toString('base64url'), auth: Buffer.from(auth, 'base64url').toString('base64url') };
}

function parseMetadata(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value) || Buffer.byteLength(JSON.stringify(value)) > MAX_METADATA_BYTES) return undefined;
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
