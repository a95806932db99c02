/**
 * The HTTP plumbing of the push notification API: Beams-shaped errors, JSON bodies, the instance
 * lookup and the secret-key check every server call passes before anything else.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppStoreUnavailableError, type App } from '../apps/app-store.js';
import { RETRY_AFTER_SECONDS } from '../cluster/unavailable.js';
import { BodyAbortedError, BodyTooLargeError, readBody } from '../http/read-body.js';
import { sendJson } from '../http/respond.js';
import type { PushContext } from './push-context.js';
import { PushErrors, type PushError } from './push-errors.js';

export function sendPushError(
  request: IncomingMessage,
  response: ServerResponse,
  error: PushError,
  description: string = error.description,
  headers?: Record<string, string>,
): void {
  sendJson(request, response, error.status, { error: error.error, description, code: error.code }, headers);
}

/** The app this instance id names, enabled; answers 404 / 403 / 503 itself and returns undefined otherwise. */
export async function findInstance(context: PushContext, request: IncomingMessage, response: ServerResponse, instanceId: string): Promise<App | undefined> {
  let app: App | undefined;
  try {
    app = await context.apps.findById(instanceId);
  } catch (error) {
    if (!(error instanceof AppStoreUnavailableError)) throw error;
    request.resume();
    sendPushError(request, response, PushErrors.storageUnavailable, 'The app store cannot be reached', { 'retry-after': String(RETRY_AFTER_SECONDS) });
    return undefined;
  }
  if (app === undefined) {
    request.resume();
    sendPushError(request, response, PushErrors.instanceNotFound, `No instance ${instanceId}`);
    return undefined;
  }
  if (!app.enabled) {
    request.resume();
    sendPushError(request, response, PushErrors.appDisabled);
    return undefined;
  }
  return app;
}

/** `Authorization: Bearer <secret key>`, compared in constant time; answers 401 itself. */
export function checkSecret(app: App, request: IncomingMessage, response: ServerResponse): boolean {
  const given = Buffer.from(bearerOf(request) ?? '');
  const expected = Buffer.from(app.secret);
  if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
  request.resume();
  sendPushError(request, response, PushErrors.unauthorized);
  return false;
}

export function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The body as JSON, at most `maxBytes`; answers 400 / 413 itself and returns undefined when it is
 * not one. `requireJsonType`: the Content-Type must be application/json (the publish API's rule).
 */
export async function readJson(request: IncomingMessage, response: ServerResponse, maxBytes: number, requireJsonType: boolean): Promise<{ value: unknown } | undefined> {
  if (requireJsonType && !/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    request.resume();
    sendPushError(request, response, PushErrors.invalidContentType);
    return undefined;
  }
  let body: Buffer;
  try {
    body = await readBody(request, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendPushError(request, response, PushErrors.bodyTooLarge, `The request body is over the limit of ${maxBytes} bytes`, { connection: 'close' });
      return undefined;
    }
    if (error instanceof BodyAbortedError) {
      response.destroy();
      return undefined;
    }
    throw error;
  }
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    sendPushError(request, response, PushErrors.invalidJson);
    return undefined;
  }
}
